import { type Account, createAccountRequest, updateAccountRequest } from "@licensing/contracts";
import {
  ApiError,
  applyServerErrors,
  isApiError,
  notifySuccess,
  PageHeader,
  QueryError,
  useSession,
  zodValidate,
} from "@licensing/ui/kit";
import { Alert, Anchor, Breadcrumbs, Button, Loader, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { AccountForm } from "./AccountForm.tsx";
import { useAccount, useCreateAccount, useUpdateAccount } from "./api.ts";
import {
  type AccountFormValues,
  accountToForm,
  emptyAccount,
  toCreateRequest,
  toUpdateRequest,
} from "./form-values.ts";

function AccountsCrumbs({ last, account }: { last: string; account?: Account }) {
  return (
    <Breadcrumbs mb="xs">
      <Anchor component={Link} to="/crm/accounts" size="sm">
        Customer accounts
      </Anchor>
      {account && (
        <Anchor component={Link} to={`/crm/accounts/${account.id}`} size="sm">
          {account.name}
        </Anchor>
      )}
      <Text size="sm">{last}</Text>
    </Breadcrumbs>
  );
}

export function NewAccountPage() {
  const session = useSession();
  const navigate = useNavigate();
  const create = useCreateAccount();
  const form = useForm<AccountFormValues>({
    initialValues: emptyAccount,
    validate: zodValidate(createAccountRequest, toCreateRequest),
    validateInputOnBlur: true,
  });
  return (
    <Stack>
      <AccountsCrumbs last="New account" />
      <PageHeader title="New account" />
      <AccountForm
        form={form}
        typeEditable
        ownerSuggestions={[session.user.username]}
        submitLabel="Create account"
        submitting={create.isPending}
        onCancel={() => navigate("/crm/accounts")}
        onSubmit={(values) =>
          create.mutate(toCreateRequest(values), {
            onSuccess: (account) => {
              notifySuccess(`Account ${account.name} was created.`);
              navigate(`/crm/accounts/${account.id}`);
            },
            onError: (error) => applyServerErrors(form, error),
          })
        }
      />
    </Stack>
  );
}

export function EditAccountPage() {
  const { id = "" } = useParams();
  const account = useAccount(id);
  if (account.isPending) return <Loader />;
  if (account.error) return <QueryError error={account.error} retry={() => void account.refetch()} />;
  if (account.data.archived)
    return (
      <Alert title="This account is archived" maw={560}>
        Restore it from its page before editing it.
      </Alert>
    );
  return (
    <EditAccountForm key={account.data.version} account={account.data} reload={() => account.refetch()} />
  );
}

function EditAccountForm({ account, reload }: { account: Account; reload: () => Promise<unknown> }) {
  const session = useSession();
  const navigate = useNavigate();
  const update = useUpdateAccount();
  const [conflict, setConflict] = useState(false);
  const form = useForm<AccountFormValues>({
    initialValues: accountToForm(account),
    validate: zodValidate(updateAccountRequest, (values: AccountFormValues) =>
      toUpdateRequest(account, values),
    ),
    validateInputOnBlur: true,
  });
  const owners = [...new Set([session.user.username, account.salesOwner].filter((v): v is string => !!v))];
  return (
    <Stack>
      <AccountsCrumbs account={account} last="Edit" />
      <PageHeader title={`Edit ${account.name}`} />
      {conflict && (
        <Alert color="orange" title="Someone changed this account meanwhile" role="alert" maw={860}>
          <Stack gap="xs">
            <Text size="sm">
              Your changes were not saved, so theirs are not overwritten. Load the latest version, then make
              your changes again.
            </Text>
            <div>
              <Button size="xs" color="orange" onClick={() => void reload()}>
                Load the latest version
              </Button>
            </div>
          </Stack>
        </Alert>
      )}
      <AccountForm
        form={form}
        typeEditable={false}
        ownerSuggestions={owners}
        submitLabel="Save changes"
        submitting={update.isPending}
        onCancel={() => navigate(`/crm/accounts/${account.id}`)}
        onSubmit={(values) =>
          update.mutate(toUpdateRequest(account, values), {
            onSuccess: (saved) => {
              notifySuccess(`Account ${saved.name} was saved.`);
              navigate(`/crm/accounts/${saved.id}`);
            },
            onError: (error) => {
              if (isApiError(error, "conflict")) setConflict(true);
              else if (error instanceof ApiError) applyServerErrors(form, error);
            },
          })
        }
      />
    </Stack>
  );
}
