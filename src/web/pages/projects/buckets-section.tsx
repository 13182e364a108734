// A project's buckets on its page (ADR 30): the list with status and usage, the create form and
// removal for those the server says may (`may.launch`: editors, owners, lab admins, operators),
// and per bucket "Use this bucket": temporary keys shown once, with the aws, mc and rclone
// configurations to copy; for a NooBaa bucket, where its keys are in the cluster instead.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Platform, Project } from "../../../contracts/api.js";
import type { BucketChange, BucketCreateBody, BucketList, BucketView, TemporaryCredentials } from "../../../contracts/buckets.js";
import { api, newActionKey, path } from "../../api.js";
import { bucketStatusText, replicaStateText } from "../../code-texts.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { Table } from "../../components/table.js";
import { UsageBar } from "../../components/usage-bar.js";
import { formatDate, useLanguage, useT } from "../../i18n.js";
import { issuesAt } from "../../shared/field-issues.js";
import { useResource } from "../../use-resource.js";
import {
  BUCKET_NAME_MAX_LENGTH,
  BUCKET_NAME_MIN_LENGTH,
  bucketCreateBody,
  bucketNameProblem,
  bucketsInMotion,
  bucketUsage,
  emptyBucketFields,
  EXPIRY_MAX_DAYS,
  formatBytes,
  SIZE_MAX_GIB,
  sortedBuckets,
  type BucketFields,
  type BucketProblems,
} from "./buckets.js";
import { bucketMessages, type BucketMessageKey, type BucketT } from "./buckets-text.js";
import { noobaaKeysCommand, s3ClientConfigs } from "./s3-config.js";

/** How long the keys asked from the portal work (the API's default). */
const KEY_HOURS = 12;

const STATUS_CLASS: Record<BucketView["status"], string> = {
  ready: "phase-running",
  pending: "phase-pending",
  failed: "phase-failed",
  unknown: "phase-stopped",
};

/** Platforms a bucket may go to: those that say they offer object storage, or all when the view does not say. */
function storagePlatforms(platforms: readonly Platform[]): string[] {
  return platforms
    .filter((platform) => {
      const s3 = (platform as { s3?: unknown }).s3;
      return s3 === undefined || (s3 !== null && s3 !== false);
    })
    .map((platform) => platform.name)
    .sort();
}

export function ProjectBuckets({ project }: { project: Project }) {
  const t = useT(bucketMessages);
  const { language } = useLanguage();
  const id = useId();
  const buckets = useResource<BucketList>(path`/projects/${project.name}/buckets`, { pollMs: (data) => (bucketsInMotion(data.items) ? 2000 : 30_000) });
  const [done, setDone] = useState<string | undefined>(undefined);
  const [removeError, setRemoveError] = useState<unknown>(undefined);
  const editable = project.may.launch;
  const items = sortedBuckets(buckets.data?.items ?? []);

  const remove = async (bucket: BucketView) => {
    setRemoveError(undefined);
    setDone(undefined);
    try {
      await api<BucketChange>(path`/projects/${project.name}/buckets/${bucket.name}`, { method: "DELETE", idempotencyKey: newActionKey() });
      setDone(t("removed", { bucket: bucket.name }));
    } catch (error) {
      setRemoveError(error);
    }
    await buckets.reload();
  };

  return (
    <section aria-labelledby={id} className="buckets">
      <h2 id={id}>{t("title")}</h2>
      <p className="muted small">{t("intro")}</p>
      <ResourceNotice resource={buckets} />
      <ErrorNotice error={removeError} />
      {done && (
        <p className="notice info" role="status">
          {done}
        </p>
      )}
      {buckets.data && items.length === 0 && <p className="muted">{t("none")}</p>}
      {items.length > 0 && (
        <Table label={{ labelledBy: id }} columns={[t("name"), t("status"), t("usage"), t("settings"), t("platform"), t("actions")]} className="bucket-list">
          {items.map((bucket) => {
            const usage = bucketUsage(bucket);
            return (
              <tr key={bucket.name} data-bucket={bucket.name} data-status={bucket.status}>
                <td>
                  <code>{bucket.name}</code>
                </td>
                <td>
                  <span className={`phase ${STATUS_CLASS[bucket.status]}`}>
                    {bucket.status === "pending" && <span className="spinner" aria-hidden="true" />}
                    {bucketStatusText(bucket.status, language)}
                  </span>
                  {bucket.message && <div className="reason small">{bucket.message}</div>}
                  {bucket.replica && (
                    <div className="small replica" data-replica={bucket.replica.state}>
                      {t("replicaOn", { platform: bucket.replica.platform, state: replicaStateText(bucket.replica.state, language) })}
                      {bucket.replica.behind && bucket.replica.behind.objects > 0 && (
                        <> · {t("behind", { objects: bucket.replica.behind.objects, bytes: formatBytes(bucket.replica.behind.bytes, language) })}</>
                      )}
                      {bucket.replica.message && <div className="reason">{bucket.replica.message}</div>}
                    </div>
                  )}
                </td>
                <td className="bucket-usage">
                  {usage ? (
                    <>
                      <UsageBar label={t("used")} used={usage.usedGiB} limit={usage.limitGiB} unit={language === "fr" ? "Gio" : "GiB"} />
                      <span className="small muted">
                        {usage.objectLimit !== null
                          ? t("objectsOf", { count: usage.objects, limit: usage.objectLimit })
                          : usage.objects === 1
                            ? t("oneObject")
                            : t("objects", { count: usage.objects })}
                      </span>
                    </>
                  ) : (
                    <span className="muted small">
                      {formatBytes(bucket.quota.sizeGiB * 1024 ** 3, language)} · {t("usageUnknown")}
                    </span>
                  )}
                </td>
                <td className="small">
                  {bucket.versioning ? t("versioning") : t("noVersioning")}
                  <br />
                  {bucket.expireDays === null ? t("keeps") : t("expires", { days: bucket.expireDays })}
                </td>
                <td>{bucket.platform}</td>
                <td>
                  <div className="actions">
                    <UseBucket project={project} bucket={bucket} />
                    {editable && (
                      <ConfirmButton
                        label={t("remove")}
                        question={t("removeQuestion", { bucket: bucket.name })}
                        confirmLabel={t("removeConfirm")}
                        danger
                        onConfirm={() => remove(bucket)}
                      />
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </Table>
      )}
      {editable && (
        <CreateBucket
          project={project.name}
          onCreated={async (bucket, commit) => {
            setDone(t("created", { bucket, commit: commit ? commit.slice(0, 8) : "-" }));
            await buckets.reload();
          }}
        />
      )}
    </section>
  );
}

function CreateBucket({ project, onCreated }: { project: string; onCreated(bucket: string, commit: string | null): Promise<void> }) {
  const t = useT(bucketMessages);
  const id = useId();
  const platforms = useResource<{ items: Platform[] }>("/platforms");
  const [fields, setFields] = useState<BucketFields>(emptyBucketFields);
  const [problems, setProblems] = useState<BucketProblems>({});
  const [nameTouched, setNameTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  // One key per attempt: sending the same bucket again (after a network failure) reuses it, so that Plateau commits once.
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const names = storagePlatforms(platforms.data?.items ?? []);
  const set = (change: Partial<BucketFields>) => setFields((current) => ({ ...current, ...change }));

  const limits = { min: BUCKET_NAME_MIN_LENGTH, max: BUCKET_NAME_MAX_LENGTH };
  const liveNameProblem = nameTouched && fields.name !== "" ? bucketNameProblem(fields.name) : undefined;
  const nameProblem = problems.name ?? liveNameProblem;
  const fieldError = (problem: BucketProblems[keyof BucketProblems], pointer: string, max?: number): string =>
    problem ? t(problem as BucketMessageKey, { ...limits, ...(max !== undefined ? { max } : {}) }) : issuesAt(error, pointer).join(" ");
  const nameError = fieldError(nameProblem, "/name");
  const sizeError = fieldError(problems.sizeGiB, "/sizeGiB", SIZE_MAX_GIB);
  const expiryError = fieldError(problems.expireDays, "/expireDays", EXPIRY_MAX_DAYS);
  const replicaError = fieldError(problems.replica, "/replica");
  const platformError = issuesAt(error, "/platform").join(" ");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNameTouched(true);
    const result = bucketCreateBody(fields);
    if ("problems" in result) {
      setProblems(result.problems);
      const first = (["name", "sizeGiB", "expireDays", "replica"] as const).find((field) => result.problems[field]);
      if (first) document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    setProblems({});
    const body: BucketCreateBody = result.body;
    const bodyKey = JSON.stringify([project, body]);
    if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newActionKey() };
    setBusy(true);
    setError(undefined);
    try {
      const change = await api<BucketChange>(path`/projects/${project}/buckets`, { method: "POST", body, idempotencyKey: attempt.current.key });
      attempt.current = null;
      setFields(emptyBucketFields);
      setNameTouched(false);
      await onCreated(change.bucket.name, change.commit);
    } catch (refusal) {
      setError(refusal);
    } finally {
      setBusy(false);
    }
  };

  const describedBy = (field: string, help: boolean) => `${help ? `${id}-${field}-help ` : ""}${id}-${field}-error`;
  return (
    <form className="narrow bucket-create" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-legend`}>
      <fieldset>
        <legend id={`${id}-legend`}>{t("create")}</legend>
        <p className="muted small">{t("createHelp")}</p>
        <ErrorNotice error={error} />
        <div className="field">
          <label htmlFor={`${id}-name`}>{t("name")}</label>
          <input
            id={`${id}-name`}
            value={fields.name}
            onChange={(e) => {
              set({ name: e.target.value });
              setProblems(({ name: _gone, ...rest }) => rest);
            }}
            onBlur={() => setNameTouched(fields.name !== "")}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            maxLength={BUCKET_NAME_MAX_LENGTH + 10}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={describedBy("name", true)}
          />
          <span id={`${id}-name-help`} className="help">
            {t("nameHelp", limits)}
          </span>
          <span id={`${id}-name-error`} className="field-error" aria-live="polite">
            {nameError}
          </span>
        </div>
        <div className="field-grid">
          <div className="field">
            <label htmlFor={`${id}-sizeGiB`}>{t("size")}</label>
            <input
              id={`${id}-sizeGiB`}
              className="short"
              inputMode="decimal"
              value={fields.sizeGiB}
              onChange={(e) => set({ sizeGiB: e.target.value })}
              aria-invalid={sizeError ? true : undefined}
              aria-describedby={describedBy("sizeGiB", true)}
            />
            <span id={`${id}-sizeGiB-help`} className="help">
              {t("sizeHelp")}
            </span>
            <span id={`${id}-sizeGiB-error`} className="field-error" aria-live="polite">
              {sizeError}
            </span>
          </div>
          <div className="field">
            <label htmlFor={`${id}-expireDays`}>{t("expiry")}</label>
            <input
              id={`${id}-expireDays`}
              className="short"
              inputMode="numeric"
              value={fields.expireDays}
              onChange={(e) => set({ expireDays: e.target.value })}
              aria-invalid={expiryError ? true : undefined}
              aria-describedby={describedBy("expireDays", true)}
            />
            <span id={`${id}-expireDays-help`} className="help">
              {t("expiryHelp")}
            </span>
            <span id={`${id}-expireDays-error`} className="field-error" aria-live="polite">
              {expiryError}
            </span>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-platform`}>{t("platformField")}</label>
          <select
            id={`${id}-platform`}
            value={fields.platform}
            onChange={(e) => set({ platform: e.target.value })}
            aria-invalid={platformError ? true : undefined}
            aria-describedby={describedBy("platform", true)}
          >
            <option value="">{t("placeIt")}</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <span id={`${id}-platform-help`} className="help">
            {t("platformHelp")}
          </span>
          <span id={`${id}-platform-error`} className="field-error" aria-live="polite">
            {platformError}
          </span>
        </div>
        <div className="field">
          <label className="inline">
            <input type="checkbox" checked={fields.versioning} onChange={(e) => set({ versioning: e.target.checked })} /> {t("versioningField")}
          </label>
        </div>
        {names.length > 1 && (
          <div className="field">
            <label htmlFor={`${id}-replica`}>{t("replica")}</label>
            <select
              id={`${id}-replica`}
              value={fields.replica}
              onChange={(e) => set({ replica: e.target.value })}
              aria-invalid={replicaError ? true : undefined}
              aria-describedby={describedBy("replica", true)}
            >
              <option value="">{t("noReplica")}</option>
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <span id={`${id}-replica-help`} className="help">
              {t("replicaHelp")}
            </span>
            <span id={`${id}-replica-error`} className="field-error" aria-live="polite">
              {replicaError}
            </span>
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("creating") : t("create")}
        </button>
      </fieldset>
    </form>
  );
}

/** "Use this bucket": a dialog with the keys and configurations, or where a NooBaa bucket's keys are. */
function UseBucket({ project, bucket }: { project: Project; bucket: BucketView }) {
  const t = useT(bucketMessages);
  const { language } = useLanguage();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [credentials, setCredentials] = useState<TemporaryCredentials | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => () => dialog.current?.close(), []);

  const close = () => {
    dialog.current?.close();
    // The secret is shown once: closing forgets it.
    setCredentials(undefined);
    setError(undefined);
  };
  const getKeys = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setCredentials(
        await api<TemporaryCredentials>(path`/projects/${project.name}/buckets/${bucket.name}/credentials`, {
          method: "POST",
          body: { hours: KEY_HOURS },
          idempotencyKey: newActionKey(),
        }),
      );
    } catch (refusal) {
      setError(refusal);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="secondary" aria-label={t("useOf", { bucket: bucket.name })} onClick={() => dialog.current?.showModal()}>
        {t("use")}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-h`} className="use-bucket" onClose={close}>
        <h2 id={`${id}-h`}>{t("useTitle", { bucket: bucket.name })}</h2>
        {bucket.endpoint ? (
          <p className="small">{t("endpoint", { url: bucket.endpoint.url, region: bucket.endpoint.region })}</p>
        ) : (
          bucket.provider !== "noobaa" && <p className="small muted">{t("noEndpoint")}</p>
        )}
        {bucket.provider === "noobaa" ? (
          <>
            <p>{t("noobaa", { bucket: bucket.name, project: project.name })}</p>
            <p>{t("noobaaCommand")}</p>
            <CopyBlock text={noobaaKeysCommand(project.name, bucket.name)} what="oc extract" className="command" />
          </>
        ) : credentials ? (
          <Credentials credentials={credentials} bucket={bucket.name} t={t} language={language} />
        ) : project.may.launch ? (
          <>
            <p>{t("keysHelp", { hours: KEY_HOURS, platform: bucket.platform })}</p>
            <ErrorNotice error={error} />
            <button type="button" className="primary" disabled={busy} onClick={() => void getKeys()}>
              {busy ? t("gettingKeys") : t("getKeys")}
            </button>
          </>
        ) : (
          <p className="muted">{t("editorsOnly")}</p>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={close}>
            {t("close")}
          </button>
        </div>
      </dialog>
    </>
  );
}

function Credentials({ credentials, bucket, t, language }: { credentials: TemporaryCredentials; bucket: string; t: BucketT; language: "en" | "fr" }) {
  const built = s3ClientConfigs({
    bucket,
    endpoint: credentials.endpoint,
    region: credentials.region,
    pathStyle: credentials.pathStyle,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
  });
  return (
    <div className="credentials" data-expires={credentials.expiresAt}>
      <p className="notice warning">
        <strong>{t("keysOnce")}</strong> {t("keysExpire", { date: formatDate(credentials.expiresAt, language) })}
      </p>
      <CopyField label={t("accessKey")} value={credentials.accessKeyId} t={t} />
      <CopyField label={t("secretKey")} value={credentials.secretAccessKey} t={t} />
      {credentials.buckets.length > 0 && <p className="small muted">{t("keysFor", { buckets: credentials.buckets.join(", ") })}</p>}
      {"problem" in built ? (
        <p className="notice error" role="alert">
          {t("unsafe", { what: t(`unsafe.${built.problem}`) })}
        </p>
      ) : (
        built.configs.map((config) => (
          <section key={config.client} className="client-config" data-client={config.client} aria-label={t(`client.${config.client}`)}>
            <h3>{t(`client.${config.client}`)}</h3>
            {config.files.map((file) => (
              <div key={file.path}>
                <p className="small">{t("files", { path: file.path })}</p>
                <CopyBlock text={file.text} what={file.path} />
              </div>
            ))}
            <p className="small">{config.files.length > 0 ? t("command") : ""}</p>
            <CopyBlock text={config.commands.join("\n")} what={`${config.client} command`} className="command" />
          </section>
        ))
      )}
    </div>
  );
}

/** Copies with the Clipboard API (no inline script: the CSP allows none); selects the text when it cannot. */
function useCopy(select: () => void) {
  const [state, setState] = useState<"copied" | "copyFailed" | undefined>(undefined);
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      select();
      setState("copyFailed");
    }
  };
  return { state, copy };
}

function CopyField({ label, value, t }: { label: string; value: string; t: BucketT }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const { state, copy } = useCopy(() => input.current?.select());
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} ref={input} readOnly value={value} spellCheck={false} onFocus={(e) => e.target.select()} />
        <button type="button" className="secondary" aria-label={t("copyOf", { what: label })} onClick={() => void copy(value)}>
          {t("copy")}
        </button>
      </div>
      <span className="small" role="status">
        {state ? t(state) : ""}
      </span>
    </div>
  );
}

function CopyBlock({ text, what, className }: { text: string; what: string; className?: string }) {
  const t = useT(bucketMessages);
  const pre = useRef<HTMLPreElement>(null);
  const { state, copy } = useCopy(() => {
    const selection = window.getSelection();
    if (!pre.current || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(pre.current);
    selection.removeAllRanges();
    selection.addRange(range);
  });
  return (
    <div className="copy-block">
      <pre ref={pre} className={`example${className ? ` ${className}` : ""}`}>
        {text}
      </pre>
      <button type="button" className="secondary" aria-label={t("copyOf", { what })} onClick={() => void copy(text)}>
        {t("copy")}
      </button>{" "}
      <span className="small" role="status">
        {state ? t(state) : ""}
      </span>
    </div>
  );
}
