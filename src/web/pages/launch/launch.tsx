// Launch: the form of a template or a Helm chart, generated from its values schema, and —
// before anyone confirms — where the instance would run and why, and what it would count
// against the project's and lab's quotas. The launch itself is one request with one
// idempotency key per attempt, reused when the same launch is tried again. The page composes
// hooks beside it: the form (use-launch-form), the placement preview (use-placement-preview),
// the quota (use-launch-quota) and the launch (use-launch-submit).
import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api.js";
import { ErrorNotice, Loading } from "../../components/notice.js";
import { focusField, SchemaForm } from "../../form/schema-form-view.js";
import { fieldId, fieldsByPointer, firstInvalid, placeIssues, within, type JsonValue } from "../../form/schema-form.js";
import { common, useLanguage, useT } from "../../i18n.js";
import { Link, useLocation } from "../../router.js";
import { useMe } from "../../session.js";
import { canAttachBucket } from "../projects/buckets.js";
import { BucketField, useBucketChoice } from "./bucket-field.js";
import { CostPanel } from "./cost-panel.js";
import { headingOf } from "./heading.js";
import { distinctByField, messagesAt, nameTaken as isNameTaken, serverIssuesOf, transient, withoutPlacedIssues } from "./issues.js";
import { PlacementPanel } from "./placement-panel.js";
import { projectOptions } from "./projects.js";
import { isChart } from "./request.js";
import { messages } from "./text.js";
import { ID_PREFIX, useLaunchForm } from "./use-launch-form.js";
import { useLaunchQuota } from "./use-launch-quota.js";
import { useFocusOnRefusal, useLaunchSubmit } from "./use-launch-submit.js";
import { usePlacementPreview } from "./use-placement-preview.js";
import "../catalog/catalog.css";

/** Each template gets a fresh form: the route reuses the page from one template to another. */
export function LaunchPage({ template }: { template: string }) {
  return <Launch key={template} template={template} />;
}

function Launch({ template }: { template: string }) {
  const t = useT(messages);
  const tc = useT(common);
  const { language } = useLanguage();
  const me = useMe();
  const { query } = useLocation();
  const [iconFailed, setIconFailed] = useState(false);

  const f = useLaunchForm(template, () => query.get("project") || me.personalProject);
  const { project, name, nameTouched, nameError, version, versions, source, detail, form, defaults, values, errors, invalid, edits, reveal } = f;
  const { projects, quota, personalNotYet } = useLaunchQuota(project, me.personalProject);
  const placementBlocked = !form || invalid;
  const { bucket, choose: chooseBucket } = useBucketChoice(project);
  // A template that can use a bucket says so in its detail (ADR 30); only then is `bucket` sent,
  // asked about too: a NooBaa bucket's instance runs on the bucket's platform.
  const attachable = canAttachBucket(detail);
  const attached = attachable && bucket ? { bucket } : {};
  const { placement, current: placementCurrent } = usePlacementPreview(project, { ...f.question, ...attached }, placementBlocked);
  const launch = useLaunchSubmit();
  const body = { ...f.body, ...attached };
  const { phase, error: launchError, issues: launchIssues } = launch;
  const errorBox = useRef<HTMLDivElement>(null);

  const placementIssues = placementCurrent ? serverIssuesOf(placement?.error) : [];
  const placed = form ? placeIssues(form, values, [...placementIssues, ...launchIssues]) : { byField: {}, unplaced: [] };
  const fieldIssues = distinctByField(placed.byField);
  const nameTaken = isNameTaken(launchError, name);
  const nameIssues = [...messagesAt(launchIssues, "/name"), ...(nameTaken ? [t("nameTaken")] : [])];
  const versionIssues = messagesAt(launchIssues, "/version");

  const change = (pointer: string, value: JsonValue | undefined) => {
    f.edit(pointer, value);
    // The server's word on this field was about the value it replaces.
    launch.forgetIssues((issue) => within(issue.pointer, `/values${pointer}`));
  };

  useFocusOnRefusal(launchError, () => {
    if (!form) return;
    const first = firstInvalid(form, new Set(Object.keys(placed.byField)));
    const focused = nameIssues.length > 0 ? focusField("launch-name") : first !== undefined && focusField(fieldId(ID_PREFIX, first));
    if (!focused) errorBox.current?.focus();
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (phase !== "idle" || !form) return;
    if (!f.readyToLaunch()) return;
    await launch.send(project, body);
  };

  if (!detail) {
    return (
      <section>
        <p>
          <Link to="/catalog">{t("back")}</Link>
        </p>
        {source.loading && <Loading />}
        <ErrorNotice error={source.error} onRetry={() => void source.reload()} />
      </section>
    );
  }

  const { title, description, documentation, icon, removedOnExpiry } = headingOf(detail, language);
  // Built-in templates name their size presets `size`, and say what each reserves (catalog/README.md).
  const presets =
    "presets" in detail && form && fieldsByPointer(form).get("/size")?.kind === "select" ? { pointer: "/size", resources: detail.presets } : undefined;
  const shownLaunchError = launchError instanceof ApiError ? withoutPlacedIssues(launchError, placed.unplaced) : launchError;
  const retrying = transient(launchError) && launch.repeats(project, body);

  return (
    <section className="launch">
      <p>
        <Link to="/catalog">{t("back")}</Link>
      </p>
      <div className="launch-head">
        {icon && !iconFailed ? (
          <img className="icon" src={icon} alt="" width={48} height={48} referrerPolicy="no-referrer" onError={() => setIconFailed(true)} />
        ) : (
          <span className="icon letter" aria-hidden="true">
            {[...title.trim()][0]?.toUpperCase() ?? "?"}
          </span>
        )}
        <div>
          <h1>{title}</h1>
          <p className="muted">{description}</p>
          {"status" in detail && detail.status === "TEST" && <p className="badge trial">{t("trial")}</p>}
          {removedOnExpiry && <p className="notice warning">{t("removedOnExpiry")}</p>}
          {documentation && (
            <p>
              <a href={documentation} target="_blank" rel="noopener noreferrer">
                {t("documentation")}
              </a>
            </p>
          )}
        </div>
      </div>

      <form className="launch-layout" onSubmit={(event) => void submit(event)} noValidate>
        <div className="launch-main">
          <fieldset className="launch-where">
            <legend>{t("where")}</legend>
            <div className="field">
              <label htmlFor="launch-project">{t("project")}</label>
              <select id="launch-project" value={project} aria-describedby="launch-project-help" onChange={(e) => f.setProject(e.target.value)}>
                {projectOptions(projects.data?.items ?? [], project, me.personalProject, t).map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
              <p className="help" id="launch-project-help">
                {t("projectHelp")}
              </p>
              <ErrorNotice error={projects.error} onRetry={() => void projects.reload()} />
            </div>
            <div className="field">
              <label htmlFor="launch-name">{t("name")}</label>
              <input
                id="launch-name"
                type="text"
                autoComplete="off"
                spellCheck={false}
                value={name}
                aria-invalid={(nameTouched && nameError) || nameIssues.length > 0 ? true : undefined}
                aria-describedby={`launch-name-help${(nameTouched && nameError) || nameIssues.length > 0 ? " launch-name-error" : ""}`}
                onChange={(e) => {
                  f.setName(e.target.value);
                  launch.forgetIssues((issue) => issue.pointer === "/name");
                  if (nameTaken) launch.forgetError();
                }}
                onBlur={f.touchName}
              />
              <p className="help" id="launch-name-help">
                {t("nameHelp")}
              </p>
              {((nameTouched && nameError) || nameIssues.length > 0) && (
                <p className="field-error" id="launch-name-error">
                  {[...(nameTouched && nameError ? [t(nameError)] : []), ...nameIssues].join(" ")}
                </p>
              )}
            </div>
            {attachable && <BucketField project={project} bucket={bucket} onChoose={chooseBucket} t={t} />}
            {isChart(template) && versions && versions.length > 0 && (
              <div className="field">
                <label htmlFor="launch-version">{t("version")}</label>
                <select
                  id="launch-version"
                  value={version || versions[0]}
                  aria-describedby={versionIssues.length > 0 ? "launch-version-error" : undefined}
                  onChange={(e) => f.setVersion(e.target.value === versions[0] ? "" : e.target.value)}
                >
                  {versions.map((v, i) => (
                    <option key={v} value={v}>
                      {i === 0 ? t("newest", { version: v }) : v}
                    </option>
                  ))}
                </select>
                {versionIssues.length > 0 && (
                  <p className="field-error" id="launch-version-error">
                    {versionIssues.join(" ")}
                  </p>
                )}
              </div>
            )}
          </fieldset>

          <h2>{t("settings")}</h2>
          {form && form.description && <p className="muted">{form.description}</p>}
          {source.loading && <Loading />}
          <ErrorNotice error={source.error} onRetry={() => void source.reload()} />
          {form && defaults !== undefined && (
            <SchemaForm
              form={form}
              values={values}
              errors={errors}
              serverIssues={fieldIssues}
              reveal={reveal}
              edits={edits}
              onChange={change}
              idPrefix={ID_PREFIX}
              {...(presets ? { presets } : {})}
            />
          )}
          {form && [...fieldsByPointer(form).values()].some((field) => field.required && field.pointer !== "") && (
            <p className="muted small">{t("required")}</p>
          )}
        </div>

        {/* Before the button in reading order: where it goes and what it costs come before confirming. */}
        <aside>
          <PlacementPanel placement={placement} current={placementCurrent} blocked={placementBlocked} t={t} />
          <CostPanel
            quota={quota.data}
            quotaError={quota.error}
            onRetry={() => void quota.reload()}
            personal={personalNotYet ? project : undefined}
            asks={placementCurrent ? placement?.data?.asks : undefined}
            block={placementCurrent ? placement?.data?.quota : undefined}
            language={language}
            t={t}
            loading={tc("loading")}
          />
        </aside>

        <div className="launch-confirm">
          <div ref={errorBox} tabIndex={-1}>
            {reveal && (invalid || nameError) && (
              <p className="notice error" role="alert">
                {t("fixFields")}
              </p>
            )}
            {nameTaken && launchError instanceof ApiError ? (
              <div className="notice error" role="alert">
                <p className="message">{launchError.message}</p>
                <p className="advice">{t("nameTaken")}</p>
              </div>
            ) : (
              <ErrorNotice error={shownLaunchError} />
            )}
            {retrying && <p className="muted small">{t("again")}</p>}
          </div>
          <div className="launch-submit">
            <button type="submit" className="primary" disabled={phase !== "idle" || source.loading}>
              {phase === "committing" && <span className="spinner" aria-hidden="true" />}
              {t("launch")}
            </button>
            <p className="muted" role="status" aria-live="polite">
              {phase === "committing" ? t("committing") : phase === "done" ? t("launched") : ""}
            </p>
          </div>
        </div>
      </form>
    </section>
  );
}
