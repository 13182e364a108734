// Platforms: where instances can run, whether each is reachable now (and if not, what to do),
// whether Plateau's commits reach the clusters, their pools and capacity, and what runs where.
import { useId, useState } from "react";
import type { Instance, Platform } from "../../../contracts/api.js";
import { path } from "../../api.js";
import { ErrorNotice, Loading, ResourceNotice } from "../../components/notice.js";
import { PhaseBadge } from "../../components/phase.js";
import { resourceMessages } from "../../components/quota-bars.js";
import { UsageBar } from "../../components/usage-bar.js";
import { defineMessages, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";
import { instancePath } from "../home/home.js";
import { deliveryLevel, poolTotals, sortPlatforms } from "./view.js";

const messages = defineMessages({
  en: {
    title: "Platforms",
    intro: "Where instances run. Plateau chooses a platform for each launch and says why.",
    empty: "No platform is declared.",
    available: "Available",
    unavailable: "Unavailable",
    whatToDo: "What to do: {hint}",
    engine: "Engine",
    tier: "Tier",
    "tier.experimental": "experimental (no guarantee)",
    "tier.institutional": "institutional (kept up)",
    "tier.recovery": "recovery site",
    site: "Site",
    infrastructure: "Infrastructure",
    flavour: "Routing",
    version: "Version",
    domain: "Domain",
    unknown: "unknown",
    recoveryFor: "Recovery platform for {platform}: used when it is unavailable.",
    instances: "Instances here",
    delivery: "Delivery of Plateau's commits",
    "delivery.direct": "Plateau drives this platform itself.",
    "delivery.in-sync": "In sync: the cluster reads what Plateau committed.",
    "delivery.no-remote": "No remote: the cluster clones the repository Plateau serves.",
    "delivery.disabled": "No remote is configured.",
    "delivery.ahead": "Commits waiting to be pushed.",
    "delivery.behind": "Taking the remote's commits.",
    "delivery.pushing": "Pushing commits to the remote.",
    "delivery.failing": "Pushing to the remote fails: the cluster does not see the latest changes.",
    "delivery.diverged": "The remote diverged: a person must merge before changes reach the cluster.",
    "delivery.other": "State: {state}",
    deliveryProblem: "An operator must act; until then, launches and changes do not reach this platform.",
    capacity: "Capacity and what running instances ask",
    noCapacity: "This platform declares no capacity. Running instances ask {cpu} cores, {memory} GiB of memory and {gpu} GPUs.",
    pools: "Pools",
    pool: "Pool",
    nodes: "Nodes",
    perNode: "Per node",
    total: "Total",
    gpuType: "GPU",
    none: "none",
    showInstances: "Show the instances of {platform}",
    hideInstances: "Hide the instances of {platform}",
    noInstances: "No instance runs here.",
    project: "Project",
    name: "Instance",
    state: "State",
    template: "Service",
    usageReport: "Usage, series and idle reclaim of {platform}",
  },
  fr: {
    title: "Plateformes",
    intro: "Là où tournent les instances. Plateau choisit une plateforme pour chaque lancement et dit pourquoi.",
    empty: "Aucune plateforme n'est déclarée.",
    available: "Disponible",
    unavailable: "Indisponible",
    whatToDo: "Que faire : {hint}",
    engine: "Moteur",
    tier: "Niveau",
    "tier.experimental": "expérimental (sans garantie)",
    "tier.institutional": "institutionnel (maintenu en service)",
    "tier.recovery": "site de secours",
    site: "Site",
    infrastructure: "Infrastructure",
    flavour: "Routage",
    version: "Version",
    domain: "Domaine",
    unknown: "inconnue",
    recoveryFor: "Plateforme de secours de {platform} : utilisée quand celle-ci est indisponible.",
    instances: "Instances ici",
    delivery: "Livraison des commits de Plateau",
    "delivery.direct": "Plateau pilote lui-même cette plateforme.",
    "delivery.in-sync": "À jour : le cluster lit ce que Plateau a commité.",
    "delivery.no-remote": "Pas de dépôt distant : le cluster clone le dépôt que Plateau sert.",
    "delivery.disabled": "Aucun dépôt distant n'est configuré.",
    "delivery.ahead": "Des commits attendent d'être poussés.",
    "delivery.behind": "Récupération des commits du dépôt distant.",
    "delivery.pushing": "Envoi des commits au dépôt distant.",
    "delivery.failing": "L'envoi au dépôt distant échoue : le cluster ne voit pas les dernières modifications.",
    "delivery.diverged": "Le dépôt distant a divergé : une personne doit fusionner avant que les modifications n'atteignent le cluster.",
    "delivery.other": "État : {state}",
    deliveryProblem: "Un opérateur doit intervenir ; d'ici là, lancements et modifications n'atteignent pas cette plateforme.",
    capacity: "Capacité et ce que demandent les instances en marche",
    noCapacity: "Cette plateforme ne déclare pas de capacité. Les instances en marche demandent {cpu} cœurs, {memory} Gio de mémoire et {gpu} GPU.",
    pools: "Groupes de nœuds",
    pool: "Groupe",
    nodes: "Nœuds",
    perNode: "Par nœud",
    total: "Total",
    gpuType: "GPU",
    none: "aucun",
    showInstances: "Afficher les instances de {platform}",
    hideInstances: "Masquer les instances de {platform}",
    noInstances: "Aucune instance ne tourne ici.",
    project: "Projet",
    name: "Instance",
    state: "État",
    template: "Service",
    usageReport: "Consommation, séries et récupération des instances inactives de {platform}",
  },
});

type Key = keyof (typeof messages)["en"];
const KNOWN_DELIVERY = new Set(["in-sync", "no-remote", "disabled", "ahead", "behind", "pushing", "failing", "diverged"]);

export function PlatformsPage() {
  const t = useT(messages);
  const platforms = useResource<{ items: Platform[] }>("/platforms", { pollMs: () => 30_000 });
  const items = sortPlatforms(platforms.data?.items ?? []);
  return (
    <section>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <ResourceNotice resource={platforms} />
      {platforms.data && items.length === 0 && <p className="empty">{t("empty")}</p>}
      {items.map((platform) => (
        <PlatformCard key={platform.name} platform={platform} />
      ))}
    </section>
  );
}

const TIERS = new Set(["experimental", "institutional", "recovery"]);

function PlatformCard({ platform }: { platform: Platform }) {
  const t = useT(messages);
  const tr = useT(resourceMessages);
  const me = useMe();
  const id = useId();
  const level = deliveryLevel(platform.delivery);
  const facts: [Key, string][] = [
    ["engine", platform.engine],
    ["tier", TIERS.has(platform.tier) ? t(`tier.${platform.tier}` as Key) : platform.tier],
    ["site", platform.site],
    ["infrastructure", platform.infrastructure],
    ["flavour", platform.flavour],
    ["domain", platform.domain],
    ["version", platform.version ?? t("unknown")],
    ["instances", String(platform.instances)],
  ];
  return (
    <article className="card platform" aria-labelledby={id} data-platform={platform.name}>
      <div className="card-head">
        <h2 id={id}>
          {platform.title || platform.name} {platform.title && platform.title !== platform.name && <code className="muted small">{platform.name}</code>}
        </h2>
        <span className={`phase ${platform.available ? "phase-running" : "phase-failed"}`}>{platform.available ? t("available") : t("unavailable")}</span>
      </div>
      {!platform.available && (
        <div className="notice error">
          {platform.reason && <p className="message">{platform.reason}</p>}
          {platform.hint && <p>{t("whatToDo", { hint: platform.hint })}</p>}
        </div>
      )}
      {platform.available && platform.hint && <p className="muted small">{platform.hint}</p>}
      {platform.recoveryFor && <p className="small">{t("recoveryFor", { platform: platform.recoveryFor })}</p>}
      <dl className="facts">
        {facts.map(([key, value]) => (
          <div key={key}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <h3>{t("delivery")}</h3>
      {platform.delivery === null ? (
        <p className="muted small">{t("delivery.direct")}</p>
      ) : (
        <div className={level === "problem" ? "notice error" : "small"}>
          <p className={level === "problem" ? "message" : undefined}>
            {KNOWN_DELIVERY.has(platform.delivery.state)
              ? t(`delivery.${platform.delivery.state}` as Key)
              : t("delivery.other", { state: platform.delivery.state })}
          </p>
          {platform.delivery.reason && <p className="muted">{platform.delivery.reason}</p>}
          {level === "problem" && <p>{t("deliveryProblem")}</p>}
        </div>
      )}

      <h3>{t("capacity")}</h3>
      {platform.capacity ? (
        <>
          <UsageBar label={tr("cpu")} used={platform.used.cpu} limit={platform.capacity.cpu} unit={tr("cores")} />
          <UsageBar label={tr("memoryGiB")} used={platform.used.memoryGiB} limit={platform.capacity.memoryGiB} unit={tr("GiB")} />
          {(platform.capacity.gpu > 0 || platform.used.gpu > 0) && <UsageBar label={tr("gpu")} used={platform.used.gpu} limit={platform.capacity.gpu} />}
        </>
      ) : (
        <p className="muted small">{t("noCapacity", { cpu: platform.used.cpu, memory: platform.used.memoryGiB, gpu: platform.used.gpu })}</p>
      )}

      {platform.pools.length > 0 && (
        <>
          <h3 id={`${id}-pools`}>{t("pools")}</h3>
          <div className="table-wrap">
            <table aria-labelledby={`${id}-pools`}>
              <thead>
                <tr>
                  <th scope="col">{t("pool")}</th>
                  <th scope="col">{t("nodes")}</th>
                  <th scope="col">{t("perNode")}</th>
                  <th scope="col">{t("total")}</th>
                </tr>
              </thead>
              <tbody>
                {platform.pools.map((pool) => {
                  const total = poolTotals(pool);
                  const gpu = pool.gpu ? `${pool.gpu.count} × ${pool.gpu.type}` : t("none");
                  return (
                    <tr key={pool.name}>
                      <td>{pool.name}</td>
                      <td>{pool.nodes}</td>
                      <td>
                        {pool.cpu} {tr("cores")}, {pool.memoryGiB} {tr("GiB")}, {tr("gpu")} {gpu}
                      </td>
                      <td>
                        {total.cpu} {tr("cores")}, {total.memoryGiB} {tr("GiB")}
                        {total.gpu > 0 ? `, ${total.gpu} ${tr("gpu")}` : ""}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {me.operator && (
        <p>
          <Link to={path`/platforms/${platform.name}`}>{t("usageReport", { platform: platform.title || platform.name })}</Link>
        </p>
      )}
      {me.operator && platform.instances > 0 && <PlatformInstances platform={platform.name} />}
    </article>
  );
}

/** Operators see every instance of a platform (GET /instances?platform=), on demand. */
function PlatformInstances({ platform }: { platform: string }) {
  const t = useT(messages);
  const [open, setOpen] = useState(false);
  const id = useId();
  const instances = useResource<{ items: Instance[] }>(open ? `/instances?${new URLSearchParams({ platform })}` : null);
  return (
    <div>
      <div className="actions">
        <button type="button" className="secondary" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          {open ? t("hideInstances", { platform }) : t("showInstances", { platform })}
        </button>
      </div>
      <div id={id} hidden={!open}>
        {open && instances.data === undefined && instances.loading && <Loading />}
        {open && <ErrorNotice error={instances.error} onRetry={() => void instances.reload()} />}
        {open && instances.data && instances.data.items.length === 0 && <p className="muted">{t("noInstances")}</p>}
        {open && instances.data && instances.data.items.length > 0 && (
          <div className="table-wrap">
            <table aria-label={t("showInstances", { platform })}>
              <thead>
                <tr>
                  <th scope="col">{t("project")}</th>
                  <th scope="col">{t("name")}</th>
                  <th scope="col">{t("state")}</th>
                  <th scope="col">{t("template")}</th>
                </tr>
              </thead>
              <tbody>
                {instances.data.items.map((instance) => (
                  <tr key={`${instance.project}/${instance.name}`}>
                    <td>
                      <Link to={path`/projects/${instance.project}`}>{instance.project}</Link>
                    </td>
                    <td>
                      <Link to={instancePath(instance)}>{instance.name}</Link>
                    </td>
                    <td>
                      <PhaseBadge phase={instance.phase} reason={instance} />
                    </td>
                    <td>{instance.template}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
