import type { AccountQuestion } from "@licensing/contracts";
import { formatDateTime, QueryError, reveal } from "@licensing/ui/kit";
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { IconArrowsJoin, IconArrowsSplit, IconPlus } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { type Decision, type QuestionState, useAccountQuestions, useDecideAccount } from "./api.ts";
import { formatCount, sourceNames } from "./run-text.ts";

const sourceName = (source: string) => sourceNames[source as keyof typeof sourceNames] ?? source;

/** "Acme Corporation, ACME Corp. and Acme Corp" */
export function ownerNames(question: AccountQuestion): string {
  const names = question.owners.map((owner) => owner.name);
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function decisionText(question: AccountQuestion): string {
  const decision = question.decision;
  if (!decision) return "";
  const what =
    decision.choice === "separate"
      ? "Kept separate"
      : decision.accountId
        ? `Merged into ${question.candidates.find((c) => c.accountId === decision.accountId)?.name ?? decision.accountId}`
        : "Merged as one new account";
  return `${what} by ${decision.decidedBy}, ${formatDateTime(decision.decidedAt)}`;
}

function outcomeText(question: AccountQuestion, decision: Decision): string {
  const owners = ownerNames(question);
  if (decision.choice === "separate") return `${owners}: kept separate.`;
  const into = decision.accountId
    ? question.candidates.find((c) => c.accountId === decision.accountId)?.name
    : "one new account";
  return `${owners}: merged into ${into}.`;
}

/**
 * The legacy owners the matching could not settle alone: the operator says whether they are one
 * customer (and which account) or not. Decisions apply to the runs started after them.
 */
export function AccountQuestions() {
  const [state, setState] = useState<QuestionState>("open");
  const questions = useAccountQuestions(state);
  const decide = useDecideAccount();
  const [announcement, setAnnouncement] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  const [focusAsked, setFocusAsked] = useState(0);
  // The decided question leaves the open list: the focus goes back to the section's heading, where
  // the next question starts, rather than to the page's top.
  useEffect(() => {
    if (focusAsked) reveal(heading.current);
  }, [focusAsked]);

  const run = (question: AccountQuestion, decision: Decision) =>
    decide.mutate(decision, {
      onSuccess: () => {
        setAnnouncement(`${outcomeText(question, decision)} It applies to the next runs.`);
        setFocusAsked((n) => n + 1);
      },
    });

  return (
    <Card withBorder component="section" aria-labelledby="account-questions-title" id="account-questions">
      <Group justify="space-between" align="flex-end" mb="xs">
        <Stack gap={2}>
          <Title order={2} size="h4" id="account-questions-title" ref={heading} tabIndex={-1}>
            Account questions
          </Title>
          <Text size="sm" c="dimmed">
            Legacy owners the matching could not settle alone. Their licenses are imported once decided; a
            decision applies to the runs started after it.
          </Text>
        </Stack>
        <SegmentedControl
          aria-label="Show questions"
          value={state}
          onChange={(value) => setState(value as QuestionState)}
          data={[
            { value: "open", label: "Open" },
            { value: "decided", label: "Decided" },
          ]}
        />
      </Group>
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </VisuallyHidden>
      {questions.isPending ? (
        <Loader size="sm" />
      ) : questions.error ? (
        <QueryError error={questions.error} retry={() => void questions.refetch()} />
      ) : questions.data.length === 0 ? (
        <Text c="dimmed" size="sm">
          {state === "open" ? "No open questions." : "No decisions yet."}
        </Text>
      ) : (
        <Stack>
          {questions.data.map((question) => (
            <Question
              key={question.key}
              question={question}
              pending={
                decide.isPending && decide.variables?.key === question.key ? decide.variables : undefined
              }
              disabled={decide.isPending}
              onDecide={(decision) => run(question, decision)}
            />
          ))}
        </Stack>
      )}
    </Card>
  );
}

function Question({
  question,
  pending,
  disabled,
  onDecide,
}: {
  question: AccountQuestion;
  /** The decision being sent for this question, if any. */
  pending: Decision | undefined;
  disabled: boolean;
  onDecide: (decision: Decision) => void;
}) {
  const titleId = `question-${question.key}`;
  const key = question.key;
  return (
    <Card withBorder padding="sm" component="article" aria-labelledby={titleId}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={3} size="h5" id={titleId}>
              {ownerNames(question)}
            </Title>
            <Text size="sm">{question.reason}</Text>
          </Stack>
          {question.decision && (
            <Badge variant="light" color="green">
              Decided
            </Badge>
          )}
        </Group>
        <Table withTableBorder fz="sm" aria-label={`Owners: ${ownerNames(question)}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Owner</Table.Th>
              <Table.Th>Sources</Table.Th>
              <Table.Th>E-mail domains</Table.Th>
              <Table.Th>Licenses</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {question.owners.map((owner) => (
              <Table.Tr key={`${owner.name}/${owner.sources.join()}`}>
                <Table.Td>{owner.name}</Table.Td>
                <Table.Td>{owner.sources.map(sourceName).join(", ")}</Table.Td>
                <Table.Td>{owner.emailDomains.join(", ") || "—"}</Table.Td>
                <Table.Td>{formatCount(owner.licenses)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm">
          {question.candidates.length === 0 ? (
            "No catalog account resembles them."
          ) : (
            <>
              May be:{" "}
              {question.candidates.map((candidate, i) => (
                <span key={candidate.accountId}>
                  {i > 0 && ", "}
                  <Anchor component={Link} to={`/crm/accounts/${candidate.accountId}`} size="sm">
                    {candidate.name}
                  </Anchor>
                </span>
              ))}
            </>
          )}
        </Text>
        {question.decision && (
          <Text size="sm" c="dimmed">
            {decisionText(question)}
          </Text>
        )}
        <Group gap="xs" role="group" aria-label={`Decide for ${ownerNames(question)}`}>
          {question.candidates.map((candidate) => (
            <Button
              key={candidate.accountId}
              size="xs"
              leftSection={<IconArrowsJoin size={14} />}
              disabled={disabled}
              loading={pending?.choice === "merge" && pending.accountId === candidate.accountId}
              onClick={() => onDecide({ key, choice: "merge", accountId: candidate.accountId })}
            >
              Merge into {candidate.name}
            </Button>
          ))}
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            disabled={disabled}
            loading={pending?.choice === "merge" && pending.accountId === null}
            onClick={() => onDecide({ key, choice: "merge", accountId: null })}
          >
            Merge as one new account
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconArrowsSplit size={14} />}
            title="Each owner its own account, or the one account of its name"
            disabled={disabled}
            loading={pending?.choice === "separate"}
            onClick={() => onDecide({ key, choice: "separate", accountId: null })}
          >
            Keep separate
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
