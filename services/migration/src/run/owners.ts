// Account matching (docs/migration.md, "Accounts"): the owners of legacy licenses, gathered from
// every source by their normalized company name, are matched to catalog accounts. Confident matches
// (the same external id, or the one catalog account with the same normalized name) merge; owners
// that may be the same customer as another owner or account (the same e-mail domain under another
// name, a name one typo away, several accounts of that name) become a question an operator decides.
import { createHash } from "node:crypto";
import type { Account, AccountQuestion, Contact } from "@licensing/contracts";
import { distance } from "fastest-levenshtein";
import type { LegacyLicense } from "../mapping/index.ts";

/** Words that say what kind of company it is, not which one. */
const LEGAL_FORMS = new Set(
  "inc incorporated llc llp lp ltd limited gmbh mbh ag kg sa sas sarl srl spa bv nv plc corp corporation co company the oy ab as asa pty pte kk".split(
    " ",
  ),
);

/** Mail providers shared by unrelated people: their domain says nothing about the company. */
const SHARED_MAIL_DOMAINS = new Set(
  "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com icloud.com me.com aol.com gmx.de gmx.net web.de proton.me protonmail.com mail.com yandex.ru".split(
    " ",
  ),
);

/** Contacts an account gets at most (the catalog's limit). */
const MAX_CONTACTS = 50;

/** A company name as matching compares it: no case, accents, punctuation or legal form. */
export function normalizeCompany(name: string): string {
  const words: string[] = [];
  let initials = false;
  for (const word of name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .split(/[^\p{L}\p{N}]+/u)) {
    if (word === "") continue;
    // Initials written with dots or spaces are one word: "S.A." is "sa", "K. K." is "kk".
    const initial = word.length === 1 && /\p{L}/u.test(word);
    if (initial && initials) words[words.length - 1] += word;
    else words.push(word);
    initials = initial;
  }
  const kept = words.filter((word) => !LEGAL_FORMS.has(word));
  return (kept.length > 0 ? kept : words).join(" ");
}

/** The company part of an e-mail address, or null for a shared mail provider or no address. */
export function companyDomain(email: string | null): string | null {
  const at = email?.lastIndexOf("@") ?? -1;
  if (email == null || at < 0) return null;
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  return domain === "" || SHARED_MAIL_DOMAINS.has(domain) ? null : domain;
}

/** Every license of one normalized company name, across sources. */
export interface OwnerGroup {
  key: string;
  spellings: Map<string, number>;
  sources: Set<string>;
  domains: Set<string>;
  externalIds: Set<string>;
  contacts: Map<string, string>;
  licenses: number;
}

/** The owners of a source's licenses, gathered in one pass (memory grows with owners, not rows). */
export class OwnerBook {
  readonly groups = new Map<string, OwnerGroup>();

  keyOf(license: LegacyLicense): string {
    return normalizeCompany(license.ownerCompany);
  }

  add(license: LegacyLicense): string {
    const key = this.keyOf(license);
    let group = this.groups.get(key);
    if (!group) {
      group = {
        key,
        spellings: new Map(),
        sources: new Set(),
        domains: new Set(),
        externalIds: new Set(),
        contacts: new Map(),
        licenses: 0,
      };
      this.groups.set(key, group);
    }
    const spelling = license.ownerCompany.trim().replace(/\s+/g, " ");
    group.spellings.set(spelling, (group.spellings.get(spelling) ?? 0) + 1);
    group.sources.add(license.source);
    const domain = companyDomain(license.ownerEmail);
    if (domain) group.domains.add(domain);
    if (license.accountExternalId) group.externalIds.add(license.accountExternalId);
    const email = license.ownerEmail?.trim().toLowerCase();
    if (email && isEmail(email) && group.contacts.size < MAX_CONTACTS && !group.contacts.has(email))
      group.contacts.set(email, license.ownerName?.trim() || email);
    group.licenses++;
    return key;
  }
}

/** The name a new account of the group gets: its most frequent spelling. */
export function displayName(group: OwnerGroup): string {
  return [...group.spellings].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0].slice(0, 200);
}

export function contactsOf(groups: OwnerGroup[]): Contact[] {
  const contacts = new Map<string, string>();
  for (const group of groups) for (const [email, name] of group.contacts) contacts.set(email, name);
  return [...contacts]
    .slice(0, MAX_CONTACTS)
    .map(([email, name]) => ({ name: name.slice(0, 200), email, role: "" }));
}

/** What becomes of a group: an existing account, a new account (shared by `newKey`), or a question. */
export type Resolution =
  | { kind: "matched"; accountId: string }
  | { kind: "create"; newKey: string; groups: string[] }
  | { kind: "awaiting"; questionKey: string };

export type Decision = NonNullable<AccountQuestion["decision"]>;

export interface Matching {
  resolutions: Map<string, Resolution>;
  /** The questions still open and those decided, as they stand now. */
  questions: Omit<AccountQuestion, "decision">[];
}

/**
 * Matches the groups to the catalog's accounts, following the decisions already taken. Pure: the
 * same owners, accounts and decisions give the same answer.
 */
export function matchOwners(
  groups: Map<string, OwnerGroup>,
  accounts: Account[],
  decisions: Map<string, Decision>,
): Matching {
  const byName = indexBy(accounts, (a) => [normalizeCompany(a.name)]);
  const byExternalId = indexBy(accounts, (a) => (a.externalId ? [a.externalId] : []));
  const byDomain = indexBy(accounts, (a) =>
    a.contacts.map((c) => companyDomain(c.email)).filter((d): d is string => d !== null),
  );
  const accountName = new Map(accounts.map((a) => [a.id, a.name]));

  // Links that make two groups (or a group and accounts) possibly one customer.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(k, root);
    return root;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const reasons = new Map<string, Set<string>>();
  const candidates = new Map<string, Set<string>>();
  const note = (key: string, reason: string, accountIds: string[] = []) => {
    (reasons.get(key) ?? reasons.set(key, new Set()).get(key)!).add(reason);
    const set = candidates.get(key) ?? candidates.set(key, new Set()).get(key)!;
    for (const id of accountIds) set.add(id);
  };

  const confident = new Map<string, string>();
  for (const group of groups.values()) {
    parent.set(group.key, group.key);
    const byId = [...group.externalIds].flatMap((id) => byExternalId.get(id) ?? []);
    const ids = unique(byId.map((a) => a.id));
    if (ids.length === 1) {
      confident.set(group.key, ids[0]!);
      continue;
    }
    const named = unique((byName.get(group.key) ?? []).map((a) => a.id));
    if (ids.length === 0 && named.length === 1) {
      confident.set(group.key, named[0]!);
      continue;
    }
    if (ids.length > 1) note(group.key, "several accounts have its external id", ids);
    else if (named.length > 1) note(group.key, "several accounts have this name", named);
    else {
      const sameDomain = unique([...group.domains].flatMap((d) => (byDomain.get(d) ?? []).map((a) => a.id)));
      if (sameDomain.length > 0)
        note(group.key, "an account has contacts at the same e-mail domain", sameDomain);
    }
  }
  // Between groups not settled by the catalog: the same company e-mail domain, or a name a typo away.
  const open = [...groups.values()].filter((g) => !confident.has(g.key));
  const byGroupDomain = new Map<string, string[]>();
  for (const g of open)
    for (const d of g.domains) (byGroupDomain.get(d) ?? byGroupDomain.set(d, []).get(d)!).push(g.key);
  for (const keys of byGroupDomain.values())
    for (const k of keys.slice(1)) {
      union(k, keys[0]!);
      note(k, "the same e-mail domain as another owner");
      note(keys[0]!, "the same e-mail domain as another owner");
    }
  const byPrefix = new Map<string, string[]>();
  for (const g of open)
    (byPrefix.get(g.key.slice(0, 3)) ?? byPrefix.set(g.key.slice(0, 3), []).get(g.key.slice(0, 3))!).push(
      g.key,
    );
  for (const keys of byPrefix.values())
    for (let i = 0; i < keys.length; i++)
      for (let j = i + 1; j < keys.length; j++)
        if (similarNames(keys[i]!, keys[j]!)) {
          union(keys[i]!, keys[j]!);
          note(keys[i]!, "a similar name");
          note(keys[j]!, "a similar name");
        }

  const components = new Map<string, OwnerGroup[]>();
  for (const g of open)
    (components.get(find(g.key)) ?? components.set(find(g.key), []).get(find(g.key))!).push(g);

  const resolutions = new Map<string, Resolution>();
  for (const [key, accountId] of confident) resolutions.set(key, { kind: "matched", accountId });
  const questions: Matching["questions"] = [];
  for (const members of components.values()) {
    const keys = members.map((g) => g.key).sort();
    const asked = keys.some((k) => reasons.has(k));
    if (!asked) {
      resolutions.set(keys[0]!, { kind: "create", newKey: keys[0]!, groups: keys });
      continue;
    }
    const questionKey = questionKeyOf(keys);
    const accountIds = unique(keys.flatMap((k) => [...(candidates.get(k) ?? [])]));
    questions.push({
      key: questionKey,
      reason: unique(keys.flatMap((k) => [...(reasons.get(k) ?? [])])).join("; "),
      owners: members.map((g) => ({
        name: displayName(g),
        sources: [...g.sources].sort(),
        emailDomains: [...g.domains].sort(),
        licenses: g.licenses,
      })),
      candidates: accountIds.map((id) => ({ accountId: id, name: accountName.get(id) ?? id })),
    });
    const decision = decisions.get(questionKey);
    for (const k of keys) resolutions.set(k, decided(k, keys, decision, byName, questionKey));
  }
  return { resolutions, questions };
}

function decided(
  key: string,
  keys: string[],
  decision: Decision | undefined,
  byName: Map<string, Account[]>,
  questionKey: string,
): Resolution {
  if (!decision) return { kind: "awaiting", questionKey };
  if (decision.choice === "merge")
    return decision.accountId
      ? { kind: "matched", accountId: decision.accountId }
      : { kind: "create", newKey: keys[0]!, groups: keys };
  // Separate: each its own account, the catalog's one of the same name if there is exactly one.
  const named = unique((byName.get(key) ?? []).map((a) => a.id));
  return named.length === 1
    ? { kind: "matched", accountId: named[0]! }
    : { kind: "create", newKey: key, groups: [key] };
}

/** The same question for the same owners, whatever the run or the order they came in. */
export function questionKeyOf(keys: string[]): string {
  return `q_${createHash("sha256")
    .update([...keys].sort().join("\n"))
    .digest("hex")
    .slice(0, 24)}`;
}

/** Names at most one edit apart per eight characters (`acme` / `acmee`), not a shorter one inside a longer. */
function similarNames(a: string, b: string): boolean {
  const longest = Math.max(a.length, b.length);
  // Numbers tell companies apart ("Northwind 3" is not "Northwind 4").
  if (longest < 4 || a.replace(/\D+/g, " ").trim() !== b.replace(/\D+/g, " ").trim()) return false;
  return distance(a, b) <= Math.max(1, Math.floor(longest / 8));
}

function isEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) && text.length <= 320;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function indexBy<T>(items: T[], keys: (item: T) => string[]): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const item of items)
    for (const key of keys(item)) (index.get(key) ?? index.set(key, []).get(key)!).push(item);
  return index;
}
