// Where the instance would run and why, the other eligible platforms and those set aside.
import type { Placement } from "../../../contracts/api.js";
import { ApiError } from "../../api.js";
import { ErrorNotice, Loading } from "../../components/notice.js";
import type { T } from "./text.js";
import { choiceText, exclusionText } from "../../code-texts.js";
import { useLanguage } from "../../i18n.js";
import { selectorText, tolerationsText } from "./pool.js";

export function PlacementPanel({
  placement,
  current,
  blocked,
  t,
}: {
  placement: { data?: Placement; error?: unknown } | undefined;
  current: boolean;
  blocked: boolean;
  t: T;
}) {
  const { language } = useLanguage();
  const error = current ? placement?.error : undefined;
  // Placement's refusal names every platform and why; it is an answer, not a failure.
  const noPlatform =
    error instanceof ApiError ? (error.body.issues ?? []).find((issue) => issue.pointer === "/platform" && issue.rule === "placement") : undefined;
  const data = placement?.data;
  return (
    <section className="panel" aria-labelledby="placement-title" aria-busy={!blocked && !current}>
      <h2 id="placement-title">{t("placementTitle")}</h2>
      {blocked ? (
        <p className="muted">{t("placementBlocked")}</p>
      ) : (
        <>
          {!current && <Loading label={t("placementWaiting")} />}
          {noPlatform ? (
            <div className="notice warning" role="status">
              <p>{noPlatform.message}</p>
              <p>{t("noPlatform")}</p>
            </div>
          ) : (
            <ErrorNotice error={error} />
          )}
          {data && !(current && error) && (
            <div className={current ? "" : "muted"}>
              <p aria-live="polite">
                <strong>
                  {t("runsOn", { platform: data.platform })}
                  {data.pool &&
                    `, ${
                      data.pool.gpu
                        ? t("onGpuPool", { pool: data.pool.name, count: data.pool.gpu.count, type: data.pool.gpu.type })
                        : t("onPool", { pool: data.pool.name })
                    }`}
                </strong>
              </p>
              {/* A chart's values carry its pool's node selector and tolerations: said before it is committed. */}
              {data.pool && (
                <p className="small" data-pool={data.pool.name}>
                  {t("poolCarries", {
                    selector: selectorText(data.pool) || t("poolNothing"),
                    tolerations: tolerationsText(data.pool) || t("poolNothing"),
                  })}
                </p>
              )}
              <p className="small">
                {/* A replayed launch says no reasons: its sentence then is all there is. */}
                {t("why")} {data.reasons.length > 0 ? choiceText(data, language) : data.reason}
              </p>
              {data.candidates.length > 1 && (
                <details>
                  <summary>{t("others", { count: data.candidates.length - 1 })}</summary>
                  <ul className="small">
                    {data.candidates.slice(1).map((candidate) => (
                      <li key={candidate.platform}>
                        <strong>{candidate.platform}</strong>: {t("score", { score: candidate.score })}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              {data.excluded.length > 0 && (
                <details>
                  <summary>{t("excluded", { count: data.excluded.length })}</summary>
                  <ul className="small">
                    {data.excluded.map((exclusion) => (
                      <li key={exclusion.platform}>
                        <strong>{exclusion.platform}</strong>: {exclusionText(exclusion, language)}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
