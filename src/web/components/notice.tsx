// Errors say what happened and what to do next; progress says that something is under way.
import { ApiError } from "../api.js";
import type { Resource } from "../use-resource.js";
import { common, useLanguage, useT, type CommonKey } from "../i18n.js";
import { errorReasonText } from "../code-texts.js";

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(common);
  const { language } = useLanguage();
  if (error === undefined || error === null) return null;
  const isApi = error instanceof ApiError;
  const code = isApi ? error.code : "network";
  // The case, when the API names one, in the reader's language: it says what to do. Otherwise
  // the server's sentence, and the category's advice.
  const reason = isApi ? errorReasonText(error.body, language) : undefined;
  const advice = reason ? undefined : (t(`error.${code}` as CommonKey) ?? "");
  return (
    <div className="notice error" role="alert">
      {isApi && <p className="message">{reason ?? error.message}</p>}
      {isApi && error.body.issues && error.body.issues.length > 0 && (
        <ul>
          {error.body.issues.map((issue) => (
            <li key={`${issue.pointer}:${issue.rule}`}>
              <code>{issue.pointer || "/"}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
      {advice && <p className="advice">{advice}</p>}
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const t = useT(common);
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t("loading")}
    </p>
  );
}

/** What a page shows while it reads something: progress the first time, then the error if any, with a retry. */
export function ResourceNotice({ resource }: { resource: Resource<unknown> }) {
  return (
    <>
      {resource.data === undefined && resource.loading && <Loading />}
      <ErrorNotice error={resource.error} onRetry={() => void resource.reload()} />
    </>
  );
}
