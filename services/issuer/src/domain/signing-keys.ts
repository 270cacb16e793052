import { randomBytes } from "node:crypto";
import {
  issuerEvents,
  type KeyRole,
  keyRoles,
  type RequestContext,
  type SigningKey,
  systemActor,
} from "@licensing/contracts";
import { createSigner, ed25519, type PublicKeyEntry, type Signer } from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import { type Logger, type Orm, recordAudit, recordEvent } from "@licensing/platform";
import { LockMode, UniqueConstraintViolationException } from "@mikro-orm/core";
import { SigningKeyEntity, type SigningKeyRow } from "./entities.ts";

// How long a replica trusts its cached active key before checking whether another rotated it.
const activeKeyTtlMs = 5_000;
// How long before then a key in use is checked, while the cached one still signs.
const checkAheadMs = 1_000;

/**
 * The issuer's Ed25519 keys, one active key per role (`license` keys sign license files and the
 * documents about licenses, `release` keys sign release indexes): generated on first start, private
 * halves stored only encrypted under the KEK and never returned, logged or published; rotated per
 * role on request (the new key signs, the old ones keep verifying). Public keys are listed, with
 * their role, for anyone who verifies what the issuer signs.
 */
export class SigningKeys {
  readonly #orm: Orm;
  readonly #encryption: SealedBox;
  readonly #log: Logger;
  /** Each role's signer, and when it was checked (a monotonic clock: a wall clock set back cannot keep it). */
  readonly #active = new Map<KeyRole, { signer: Signer; checkedAt: number }>();
  /** A check of a role's active key in flight, which the requests arriving meanwhile share. */
  readonly #checking = new Map<KeyRole, Promise<Signer>>();
  /** Rotations made by this replica: a check begun before one must not cache the key it replaced. */
  #rotations = 0;

  constructor(orm: Orm, encryption: SealedBox, log: Logger) {
    this.#orm = orm;
    this.#encryption = encryption;
    this.#log = log;
  }

  /** Creates each role's first key unless it exists; two replicas starting together create one. */
  async ensureActiveKeys(): Promise<void> {
    for (const role of keyRoles) {
      const em = this.#orm.em.fork();
      if (await em.count(SigningKeyEntity, { role, status: "active" })) continue;
      try {
        await this.#orm.em.fork().transactional(async (tx) => {
          this.#createKey(tx, role);
        });
        this.#log.info({ role }, "generated the first signing key of its role");
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
      }
    }
  }

  /**
   * The signer of `role`'s active key, decrypted once and cached; checked again every few seconds
   * (another replica may have rotated it) by one query, whatever the number of requests waiting.
   */
  async signer(role: KeyRole = "license"): Promise<Signer> {
    const cached = this.#active.get(role);
    const age = cached ? performance.now() - cached.checkedAt : Number.POSITIVE_INFINITY;
    if (cached && age < activeKeyTtlMs) {
      // Checked a second before it is due, while the cached key still signs: under steady traffic the
      // requests of the moment it ran out used to wait on that query (issue 20). A failed check
      // leaves the cache to run out, and the next request meets the failure.
      if (age >= activeKeyTtlMs - checkAheadMs) this.#checkOnce(role, cached.signer).catch(() => {});
      return cached.signer;
    }
    return this.#checkOnce(role, cached?.signer);
  }

  /** One check of `role`'s active key at a time, whatever the number of requests waiting on it. */
  #checkOnce(role: KeyRole, cached: Signer | undefined): Promise<Signer> {
    let checking = this.#checking.get(role);
    if (!checking) {
      const started = this.#check(role, cached).finally(() => {
        if (this.#checking.get(role) === started) this.#checking.delete(role);
      });
      this.#checking.set(role, started);
      checking = started;
    }
    return checking;
  }

  async #check(role: KeyRole, cached: Signer | undefined): Promise<Signer> {
    const rotations = this.#rotations;
    const row = await this.#orm.em
      .fork()
      .findOneOrFail(SigningKeyEntity, { role, status: "active" }, { populate: ["privateKeyEnc"] });
    const signer =
      cached?.keyId === row.keyId
        ? cached
        : createSigner(row.keyId, this.#encryption.open(row.privateKeyEnc, `signing key ${row.keyId}`));
    // A rotation here since the query began: its key is the one to cache, by the next check.
    if (rotations === this.#rotations) this.#active.set(role, { signer, checkedAt: performance.now() });
    return signer;
  }

  async rotate(ctx: RequestContext, role: KeyRole): Promise<SigningKey> {
    const rotated = await this.#orm.em.fork().transactional(async (em) => {
      const current = await em.find(
        SigningKeyEntity,
        { role, status: "active" },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      for (const key of current) {
        key.status = "retired";
        key.retiredAt = new Date();
      }
      await em.flush();
      const row = this.#createKey(em, role);
      const key = toSigningKey(row);
      const actor = ctx.actor ?? systemActor;
      await recordAudit(em, {
        entityType: "signing-key",
        entityId: key.keyId,
        action: "signing-key.rotated",
        actor,
        ctx,
        changes: { role: [null, role], activeKey: [current[0]?.keyId ?? null, key.keyId] },
      });
      await recordEvent(em, issuerEvents.signingKeyRotated, key, ctx);
      return key;
    });
    this.#rotations++;
    this.#active.delete(role);
    this.#checking.delete(role);
    this.#log.info({ keyId: rotated.keyId, role }, "signing key rotated");
    return rotated;
  }

  async list(): Promise<SigningKey[]> {
    const rows = await this.#orm.em.fork().find(SigningKeyEntity, {}, { orderBy: { createdAt: "desc" } });
    return rows.map(toSigningKey);
  }

  /** Every public key of `role`, active and retired: what verifies anything it ever signed. */
  async keySet(role: KeyRole = "license"): Promise<PublicKeyEntry[]> {
    const rows = await this.#orm.em.fork().find(SigningKeyEntity, { role });
    return rows.map((row) => ({ keyId: row.keyId, publicKey: new Uint8Array(row.publicKey) }));
  }

  #createKey(em: ReturnType<Orm["em"]["fork"]>, role: KeyRole): SigningKeyRow {
    const { privateKey, publicKey } = ed25519.generateKeyPair();
    const now = new Date();
    const keyId = `k${now.toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;
    const row = em.create(SigningKeyEntity, {
      keyId,
      role,
      publicKey: Buffer.from(publicKey),
      privateKeyEnc: this.#encryption.seal(privateKey, `signing key ${keyId}`),
      status: "active",
      createdAt: now,
      retiredAt: null,
    });
    privateKey.fill(0);
    return row;
  }
}

export function toSigningKey(row: SigningKeyRow): SigningKey {
  return {
    keyId: row.keyId,
    role: row.role,
    publicKey: Buffer.from(row.publicKey).toString("base64url"),
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    retiredAt: row.retiredAt?.toISOString() ?? null,
  };
}
