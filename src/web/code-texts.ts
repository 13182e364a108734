// The portal's words for the API's codes (src/contracts/codes.ts): the reasons of errors, the
// kinds of events, why an instance is in its phase, why placement left a platform out or chose one. `{name}` is a parameter
// the API sends beside the code. Every code has a text in both languages: the types say so
// here, and code-texts.test.ts fails at run time for a code added without one.
import type { ErrorBody, Instance, InstanceEvent, Placement } from "../contracts/api.js";
import type {
  ChoiceReason,
  CodeParams,
  ErrorReason,
  EventKind,
  ExclusionReason,
  NoticeAction,
  NoticeKind,
  QuotaBlockCode,
  BucketReplicaState,
  BucketStatus,
  DrillFailure,
  ScoreCriterion,
  StatusReason,
  RecoverySkipReason,
  RecoveryState,
} from "../contracts/codes.js";
import { format, type Language } from "./i18n.js";

interface CodeTexts {
  readonly reasons: Readonly<Record<ErrorReason, string>>;
  readonly events: Readonly<Record<EventKind, string>>;
  /** Why an instance is in its phase (`reasonCode` of an instance or its status). */
  readonly statuses: Readonly<Record<StatusReason, string>>;
  readonly exclusions: Readonly<Record<ExclusionReason, string>>;
  readonly choices: Readonly<Record<ChoiceReason, string>>;
  readonly criteria: Readonly<Record<ScoreCriterion, string>>;
  /** Which quota a launch would not fit, and who may raise it (`quota` of a placement). */
  readonly quotaBlocks: Readonly<Record<QuotaBlockCode, string>>;
  /** A quota's unit (`unit` of a quota denial, sent in English), in words. */
  readonly units: Readonly<Record<string, string>>;
  /** An event's `action` (what the reconciler failed to do) and `phase` parameters, in words. */
  readonly actions: Readonly<Record<string, string>>;
  readonly phases: Readonly<Record<string, string>>;
  /** What a notice tells (`kind`, ADR 28), and the one action that prevents it (`action`). */
  readonly notices: Readonly<Record<NoticeKind, string>>;
  readonly noticeActions: Readonly<Record<NoticeAction, string>>;
  /** Whether the provider holds a bucket as git says, and how its replica stands (ADR 30). */
  readonly bucketStatuses: Readonly<Record<BucketStatus, string>>;
  readonly replicaStates: Readonly<Record<BucketReplicaState, string>>;
  /** Why a failover leaves an instance where it is, and where an instance of a recovery report stands (ADR 0034). */
  readonly recoverySkips: Readonly<Record<RecoverySkipReason, string>>;
  readonly recoveryStates: Readonly<Record<RecoveryState, string>>;
  /** Why a drill's copy of an instance did not answer (ADR 0034). */
  readonly drillFailures: Readonly<Record<DrillFailure, string>>;
}

export const CODE_TEXTS: Readonly<Record<Language, CodeTexts>> = {
  en: {
    notices: {
      "idle-stop-planned": "{instance} has not been used for a while: Plateau will stop it on {due} (its data is kept).",
      "idle-remove-planned": "{instance} has been stopped for a long time: Plateau will remove it on {due}, its data with it.",
      "alert-instance-down": "{instance} of {project} has a pod that is not ready: read its logs ({command}).",
      "alert-restart-loop": "{instance} of {project} keeps restarting: read its logs ({command}).",
      "alert-volume-full": "The volume {persistentvolumeclaim} of {instance} ({project}) is nearly full: free space, or give it a larger one ({command}).",
      "alert-quota-nearly-used": "{project} has used most of its {quota} quota of {resource}: stop what is no longer used, or ask for more ({command}).",
      "alert-expiring-soon": "{instance} of {project} will be stopped soon: renew it to keep it running ({command}).",
      "drill-overdue": "{project} is backed up, but no recovery drill has checked its backups since {since} (every {days} days are asked).",
    },
    noticeActions: {
      keep: "Keep it",
      "open-instance-logs": "Read its logs",
      "free-volume": "Free space on its volume",
      "raise-quota": "See the quota",
      renew: "Renew it",
      "run-drill": "Ask an operator for a drill",
    },
    reasons: {
      "no-eligible-platform": "No platform can run this instance.",
      "pinning-not-allowed": "Choosing the platform yourself is not allowed here: Plateau places instances.",
      "no-object-storage": "Platform {platform} offers no object storage: choose another platform for the bucket.",
      "replica-refused": "The replica must be on a platform with object storage at another site than {site}.",
      "name-taken": "An instance named {name} already exists in {project}: choose another name, or remove it first.",
      "bucket-in-use": "The bucket {bucket} is attached to {instances}: remove them first.",
      "project-name-taken": "A project named {project} already exists: choose another name.",
      "bucket-name-taken": "The bucket name {name} is already taken (bucket names are shared by every project): choose another name.",
      "no-free-name": "No free name could be found for the instance: give it one.",
      "request-replayed-removed": "This launch already happened ({target}), and that instance has since been removed: launch again.",
      "not-stoppable": "{instance} is a Helm chart that cannot be stopped, only removed.",
      "not-resizable": "{instance} cannot be resized: its template has no sizes, or its chart no resource requests in its values.",
      "no-usage-advice": "There is no advice for {instance}: its platform's metrics say nothing of it running now. Give the CPU and memory yourself.",
      "chart-refused":
        "{chart} would be refused on platform {platform}: {object} breaks the rule {rule} ({count} finding(s) in all; the details say what to change).",
      "stopped-does-not-expire": "{instance} is stopped: it does not expire while it does not run. Start it, and it runs for {days} days.",
      "personal-project-members": "{project} is a personal project: its one member is its owner.",
      "platform-without-argocd": "Platform {platform} has no Argo CD: it cannot run the Helm chart {chart}.",
      "platform-undeclared": "Platform {platform} is no longer declared: choose another one.",
      "no-engine": "This Plateau cannot drive platform {platform}.",
      "no-volume-backups": "Platform {platform} keeps no backups of its instances' volumes that Plateau takes (its spec.backups).",
      "backup-corrupt": "Backup {backup} is damaged (the archive of {claim} does not match its checksum): nothing was restored.",
      "no-recovery-platform": "No platform is the recovery site of {platform}: there is nowhere to fail it over to.",
      "backup-not-completed": "The fresh backup {backup} on {platform} is {phase}, not completed: nothing was moved; run the failback again.",
      "drill-on-cluster": "Drills run on podman platforms for now: {platform} is a cluster.",
      "drill-running": "A drill of {platform} is running: wait for its report.",
      "credentials-in-cluster": "Platform {platform} keeps its buckets' keys in the cluster: instances read them from the Secret named like the bucket.",
      "repository-not-initialized": "Plateau is still starting: try again in a moment.",
      "repository-moved": "Someone changed the same thing at the same time: try again.",
      "quota-exceeded": "This would exceed the quota of {name} for {resource}: {asked} {unit} asked, {remaining} of {limit} {unit} left.",
      "lab-project-limit": "Lab {lab} has {used} projects, its limit: remove one, or ask a lab admin to raise it.",
      "identity-provider-unreachable": "The sign-in service {provider} does not answer: try again in a few minutes.",
      "write-lock-timeout": "Plateau is busy with another change: try again in a few seconds.",
      "write-lock-lost": "Plateau changed leader during this change; nothing was saved: try again.",
      "shutting-down": "This Plateau server is restarting: try again.",
    },
    events: {
      applying: "Applying revision {revision} on {platform}",
      pulling: "Pulling the image {image}",
      starting: "Starting",
      replacing: "Replacing the previous revision",
      waiting: "Waiting for the application to answer",
      restoring: "Restoring its volumes from backup {backup} (taken {takenAt})",
      running: "Running",
      reported: "{phase}: {reason}",
      failed: "Failed: {reason}",
      "action-failed": "{action} failed: {reason}",
      stopped: "Stopped",
      other: "{message}",
    },
    statuses: {
      committed: "Committed; waiting for the platform to apply it",
      "stop-requested": "Stop requested",
      "start-requested": "Start requested",
      applying: "Applying revision {revision}",
      pulling: "Pulling the image {image}",
      starting: "Starting",
      replacing: "Replacing the previous revision",
      waiting: "Waiting for the application to answer",
      restoring: "Restoring its volumes from backup {backup} (taken {takenAt})",
      stopping: "Stopping; its data is kept",
      stopped: "Stopped; its data is kept",
      removing: "Removing its workload and its data",
      "platform-unavailable": "Platform {platform} is unavailable: {detail}",
      "action-failed": "{action} failed: {reason}",
      "retry-scheduled": "{reason} (next attempt in {seconds} s)",
      reported: "{reason}",
    },
    exclusions: {
      "not-pinned": "not the requested platform ({pinned})",
      "bucket-elsewhere": "its bucket {bucket} is on {platform}, whose keys stay in that cluster",
      "no-engine": "no engine for {engine} platforms in this Plateau",
      "no-helm": "runs no Helm charts (only platforms with Argo CD do; this one runs {engine})",
      "recovery-only": "a recovery site: used in a disaster, when pinned",
      tier: "tier {tier}, and this project may only run on {tiers} platforms",
      site: "at site {site}, and the data must stay at {required}",
      "storage-class": "no storage class {storageClass}",
      "no-gpu": "declares no GPU pool",
      "no-pool-fits": "no pool can hold a pod of {cpu} cores, {memoryGiB} GiB",
      full: "full: {free} of {capacity} {unit} free, {asked} asked",
    },
    choices: {
      pinned: "requested by the user",
      bucket: "where its bucket {name} is (NooBaa keeps its keys in that cluster)",
      "only-eligible": "the only eligible platform",
      "highest-score": "highest score of {count} eligible platforms",
      unavailable: "currently unavailable ({reason}): it will run once the platform is back",
    },
    criteria: { availability: "availability", capacity: "room", affinity: "the project's other instances", spread: "spread of the lab's instances" },
    quotaBlocks: {
      "project-quota":
        "Project {name} has {limit} {unit} ({used} in use) and this launch needs {asked} more: a lab admin can raise it with plateau projects quota {name} --{option} {needed}.",
      "personal-quota":
        "Your personal project {name} has {limit} {unit} ({used} in use) and this launch needs {asked} more: a platform operator can raise it with plateau projects quota {name} --{option} {needed}.",
      "lab-quota":
        "Lab {name} has {limit} {unit} ({used} in use) and this launch needs {asked} more: a platform operator can raise it to {needed} in labs/{name}.yaml.",
    },
    units: { cores: "cores", GiB: "GiB", GPU: "GPU", instances: "instances" },
    actions: { apply: "Applying", stop: "Stopping", remove: "Removing" },
    phases: { pending: "pending", starting: "starting", running: "running", stopping: "stopping", stopped: "stopped", failed: "failed" },
    bucketStatuses: { ready: "Ready", pending: "Being made", failed: "Failed", unknown: "Unknown" },
    replicaStates: {
      pending: "being set up",
      configured: "replication configured",
      "in-sync": "in sync",
      lagging: "lagging behind",
      failed: "replication failed",
      unknown: "state unknown",
    },
    recoverySkips: {
      "no-recovery-platform": "no platform is the recovery site of {platform}",
      "cannot-run-there": "cannot run on {platform}: {reason}",
    },
    recoveryStates: { "failed-over": "on the recovery site", "failed-back": "back home", skipped: "left where it is" },
    drillFailures: {
      "no-backup": "It has no backup yet.",
      "backup-corrupt": "Its backup is damaged: nothing was restored.",
      "restore-failed": "Its backup could not be restored.",
      "render-failed": "Its copy could not be made.",
      "apply-failed": "Its copy did not start.",
      "not-answering": "Its copy did not answer on its address.",
    },
  },
  fr: {
    notices: {
      "idle-stop-planned": "{instance} n'est plus utilisée depuis un moment : Plateau l'arrêtera le {due} (ses données sont conservées).",
      "idle-remove-planned": "{instance} est arrêtée depuis longtemps : Plateau la supprimera le {due}, avec ses données.",
      "alert-instance-down": "{instance} de {project} a un pod qui n'est pas prêt : lisez ses journaux ({command}).",
      "alert-restart-loop": "{instance} de {project} redémarre sans cesse : lisez ses journaux ({command}).",
      "alert-volume-full":
        "Le volume {persistentvolumeclaim} de {instance} ({project}) est presque plein : libérez de la place, ou donnez-lui un volume plus grand ({command}).",
      "alert-quota-nearly-used":
        "{project} a presque épuisé son quota {quota} de {resource} : arrêtez ce qui ne sert plus, ou demandez-en davantage ({command}).",
      "alert-expiring-soon": "{instance} de {project} sera bientôt arrêtée : renouvelez-la pour qu'elle continue de tourner ({command}).",
      "drill-overdue":
        "{project} est sauvegardé, mais aucun exercice de reprise n'a vérifié ses sauvegardes depuis le {since} (il en faut un tous les {days} jours).",
    },
    noticeActions: {
      keep: "La garder",
      "open-instance-logs": "Lire ses journaux",
      "free-volume": "Libérer de la place sur son volume",
      "raise-quota": "Voir le quota",
      renew: "La renouveler",
      "run-drill": "Demander un exercice de reprise à un opérateur",
    },
    reasons: {
      "no-eligible-platform": "Aucune plateforme ne peut faire tourner cette instance.",
      "pinning-not-allowed": "Choisir soi-même la plateforme n'est pas permis ici : Plateau place les instances.",
      "no-object-storage": "La plateforme {platform} n'offre pas de stockage objet : choisissez une autre plateforme pour le bucket.",
      "replica-refused": "La réplique doit être sur une plateforme avec stockage objet, sur un autre site que {site}.",
      "name-taken": "Une instance nommée {name} existe déjà dans {project} : choisissez un autre nom, ou supprimez-la d'abord.",
      "bucket-in-use": "Le bucket {bucket} est attaché à {instances} : supprimez-les d'abord.",
      "project-name-taken": "Un projet nommé {project} existe déjà : choisissez un autre nom.",
      "bucket-name-taken": "Le nom de bucket {name} est déjà pris (les noms de buckets sont communs à tous les projets) : choisissez un autre nom.",
      "no-free-name": "Aucun nom libre n'a été trouvé pour l'instance : donnez-lui un nom.",
      "request-replayed-removed": "Ce lancement a déjà eu lieu ({target}), et cette instance a été supprimée depuis : relancez.",
      "not-stoppable": "{instance} est un chart Helm qui ne peut pas être arrêté, seulement supprimé.",
      "not-resizable":
        "{instance} ne peut pas être redimensionnée : son modèle n'a pas de tailles, ou son chart pas de demandes de ressources dans ses valeurs.",
      "no-usage-advice":
        "Aucun conseil pour {instance} : les métriques de sa plateforme ne disent pas qu'elle tourne en ce moment. Indiquez vous-même le CPU et la mémoire.",
      "chart-refused":
        "{chart} serait refusé sur la plateforme {platform} : {object} enfreint la règle {rule} ({count} constat(s) en tout ; le détail dit quoi changer).",
      "stopped-does-not-expire": "{instance} est arrêtée : elle n'expire pas tant qu'elle ne tourne pas. Démarrez-la : elle tourne alors {days} jours.",
      "personal-project-members": "{project} est un projet personnel : son seul membre est son propriétaire.",
      "platform-without-argocd": "La plateforme {platform} n'a pas d'Argo CD : elle ne peut pas faire tourner le chart Helm {chart}.",
      "platform-undeclared": "La plateforme {platform} n'est plus déclarée : choisissez-en une autre.",
      "no-engine": "Ce Plateau ne sait pas piloter la plateforme {platform}.",
      "no-volume-backups": "La plateforme {platform} ne garde pas de sauvegardes des volumes de ses instances prises par Plateau (son spec.backups).",
      "backup-corrupt": "La sauvegarde {backup} est abîmée (l'archive de {claim} ne correspond pas à sa somme de contrôle) : rien n'a été restauré.",
      "no-recovery-platform": "Aucune plateforme n'est le site de secours de {platform} : il n'y a nulle part où basculer.",
      "backup-not-completed": "La sauvegarde fraîche {backup} sur {platform} est {phase}, pas terminée : rien n'a été déplacé ; relancez le retour.",
      "drill-on-cluster": "Les exercices de reprise ne tournent pour l'instant que sur les plateformes podman : {platform} est un cluster.",
      "drill-running": "Un exercice de reprise de {platform} est en cours : attendez son rapport.",
      "credentials-in-cluster":
        "La plateforme {platform} garde les clés de ses buckets dans le cluster : les instances les lisent dans le Secret qui porte le nom du bucket.",
      "repository-not-initialized": "Plateau est encore en train de démarrer : réessayez dans un instant.",
      "repository-moved": "Quelqu'un a modifié la même chose au même moment : réessayez.",
      "quota-exceeded": "Cela dépasserait le quota de {name} pour {resource} : {asked} {unit} demandés, il en reste {remaining} sur {limit}.",
      "lab-project-limit": "Le labo {lab} a {used} projets, sa limite : supprimez-en un, ou demandez à un administrateur du labo de la relever.",
      "identity-provider-unreachable": "Le service de connexion {provider} ne répond pas : réessayez dans quelques minutes.",
      "write-lock-timeout": "Plateau enregistre une autre modification : réessayez dans quelques secondes.",
      "write-lock-lost": "Plateau a changé de serveur principal pendant cette modification ; rien n'a été enregistré : réessayez.",
      "shutting-down": "Ce serveur Plateau redémarre : réessayez.",
    },
    events: {
      applying: "Application de la révision {revision} sur {platform}",
      pulling: "Téléchargement de l'image {image}",
      starting: "Démarrage",
      replacing: "Remplacement de la révision précédente",
      waiting: "En attente de la réponse de l'application",
      restoring: "Restauration de ses volumes depuis la sauvegarde {backup} (prise le {takenAt})",
      running: "En marche",
      reported: "{phase} : {reason}",
      failed: "Échec : {reason}",
      "action-failed": "{action} a échoué : {reason}",
      stopped: "Arrêtée",
      other: "{message}",
    },
    statuses: {
      committed: "Enregistrée ; en attente de la plateforme",
      "stop-requested": "Arrêt demandé",
      "start-requested": "Démarrage demandé",
      applying: "Application de la révision {revision}",
      pulling: "Téléchargement de l'image {image}",
      starting: "Démarrage",
      replacing: "Remplacement de la révision précédente",
      waiting: "En attente de la réponse de l'application",
      restoring: "Restauration de ses volumes depuis la sauvegarde {backup} (prise le {takenAt})",
      stopping: "Arrêt en cours ; ses données sont gardées",
      stopped: "Arrêtée ; ses données sont gardées",
      removing: "Suppression de ses charges et de ses données",
      "platform-unavailable": "La plateforme {platform} est indisponible : {detail}",
      "action-failed": "{action} a échoué : {reason}",
      "retry-scheduled": "{reason} (nouvel essai dans {seconds} s)",
      reported: "{reason}",
    },
    exclusions: {
      "not-pinned": "pas la plateforme demandée ({pinned})",
      "bucket-elsewhere": "son bucket {bucket} est sur {platform}, dont les clés restent dans ce cluster",
      "no-engine": "ce Plateau ne sait pas piloter les plateformes {engine}",
      "no-helm": "ne fait pas tourner de charts Helm (seules les plateformes avec Argo CD le font ; celle-ci utilise {engine})",
      "recovery-only": "un site de secours : utilisé en cas de sinistre, quand on le choisit",
      tier: "une plateforme de niveau {tier} ; ce projet ne tourne que sur des plateformes {tiers}",
      site: "au site {site} ; les données doivent rester à {required}",
      "storage-class": "pas de classe de stockage {storageClass}",
      "no-gpu": "n'a pas de GPU",
      "no-pool-fits": "aucun nœud ne peut accueillir un pod de {cpu} cœurs et {memoryGiB} Gio",
      full: "pleine : {free} {unit} libres sur {capacity}, {asked} demandés",
    },
    choices: {
      pinned: "demandée par l'utilisateur",
      bucket: "là où est son bucket {name} (NooBaa garde ses clés dans ce cluster)",
      "only-eligible": "la seule plateforme qui peut la faire tourner",
      "highest-score": "la meilleure des {count} plateformes qui peuvent la faire tourner",
      unavailable: "indisponible pour l'instant ({reason}) : elle tournera dès le retour de la plateforme",
    },
    criteria: { availability: "disponibilité", capacity: "place", affinity: "autres instances du projet", spread: "répartition des instances du labo" },
    quotaBlocks: {
      "project-quota":
        "Le projet {name} a {limit} {unit} ({used} utilisés) et ce lancement en demande {asked} de plus : un admin du labo peut l'augmenter avec plateau projects quota {name} --{option} {needed}.",
      "personal-quota":
        "Votre projet personnel {name} a {limit} {unit} ({used} utilisés) et ce lancement en demande {asked} de plus : un opérateur des plateformes peut l'augmenter avec plateau projects quota {name} --{option} {needed}.",
      "lab-quota":
        "Le labo {name} a {limit} {unit} ({used} utilisés) et ce lancement en demande {asked} de plus : un opérateur des plateformes peut le porter à {needed} dans labs/{name}.yaml.",
    },
    units: { cores: "cœurs", GiB: "Gio", GPU: "GPU", instances: "instances" },
    actions: { apply: "L'application", stop: "L'arrêt", remove: "La suppression" },
    phases: { pending: "en attente", starting: "démarrage", running: "en marche", stopping: "arrêt en cours", stopped: "arrêtée", failed: "en échec" },
    bucketStatuses: { ready: "Prêt", pending: "En création", failed: "En échec", unknown: "Inconnu" },
    replicaStates: {
      pending: "en préparation",
      configured: "réplication configurée",
      "in-sync": "à jour",
      lagging: "en retard",
      failed: "réplication en échec",
      unknown: "état inconnu",
    },
    recoverySkips: {
      "no-recovery-platform": "aucune plateforme n'est le site de secours de {platform}",
      "cannot-run-there": "ne peut pas tourner sur {platform} : {reason}",
    },
    recoveryStates: { "failed-over": "sur le site de secours", "failed-back": "revenue chez elle", skipped: "laissée en place" },
    drillFailures: {
      "no-backup": "Elle n'a pas encore de sauvegarde.",
      "backup-corrupt": "Sa sauvegarde est abîmée : rien n'a été restauré.",
      "restore-failed": "Sa sauvegarde n'a pas pu être restaurée.",
      "render-failed": "Sa copie n'a pas pu être préparée.",
      "apply-failed": "Sa copie n'a pas démarré.",
      "not-answering": "Sa copie n'a pas répondu à son adresse.",
    },
  },
};

const put = (text: string, params: CodeParams | undefined) => format(text, { ...params });

/** An error's case in words, when the API names one; undefined: its category says it all. */
export function errorReasonText(error: Pick<ErrorBody["error"], "reason" | "params">, language: Language): string | undefined {
  return error.reason ? put(CODE_TEXTS[language].reasons[error.reason], error.params) : undefined;
}

/** What an event says happened. */
export function eventText(event: Pick<InstanceEvent, "kind" | "params" | "message">, language: Language): string {
  const texts = CODE_TEXTS[language];
  const { action, phase } = event.params;
  return put(texts.events[event.kind], {
    ...event.params,
    message: event.message,
    ...(typeof action === "string" ? { action: texts.actions[action] ?? action } : {}),
    ...(typeof phase === "string" ? { phase: texts.phases[phase] ?? phase } : {}),
  });
}

/** Why an instance is in its phase (its view or its status), in the reader's language. */
export function statusReasonText(status: Pick<Instance, "reasonCode" | "reasonParams">, language: Language): string {
  const texts = CODE_TEXTS[language];
  const { action } = status.reasonParams;
  return put(texts.statuses[status.reasonCode], {
    ...status.reasonParams,
    ...(typeof action === "string" ? { action: texts.actions[action] ?? action } : {}),
  });
}

/** Why placement left a platform out. */
export const exclusionText = (exclusion: Placement["excluded"][number], language: Language): string =>
  put(CODE_TEXTS[language].exclusions[exclusion.code], exclusion.params);

/** Why placement chose its platform: each reason, in order. */
export const choiceText = (placement: Pick<Placement, "reasons">, language: Language): string =>
  placement.reasons.map((reason) => put(CODE_TEXTS[language].choices[reason.code], reason.params)).join(language === "fr" ? " ; " : "; ");

/** A score criterion's name. */
export const criterionText = (criterion: string, language: Language): string => CODE_TEXTS[language].criteria[criterion as ScoreCriterion] ?? criterion;

/** Which quota a launch would not fit and who may raise it, its unit in the reader's words. */
export function quotaBlockText(block: Pick<NonNullable<Placement["quota"]>, "code" | "params">, language: Language): string {
  const texts = CODE_TEXTS[language];
  const { unit } = block.params;
  return put(texts.quotaBlocks[block.code], { ...block.params, ...(typeof unit === "string" ? { unit: texts.units[unit] ?? unit } : {}) });
}

/** What a notice tells, in the reader's language. */
export const noticeText = (notice: { readonly kind: string; readonly params: CodeParams }, language: Language): string =>
  put(CODE_TEXTS[language].notices[notice.kind as NoticeKind] ?? notice.kind, notice.params);

/** Whether a bucket is ready, in the reader's language. */
export const bucketStatusText = (status: BucketStatus, language: Language): string => CODE_TEXTS[language].bucketStatuses[status] ?? status;

/** How a bucket's replica stands, in the reader's language. */
export const replicaStateText = (state: BucketReplicaState, language: Language): string => CODE_TEXTS[language].replicaStates[state] ?? state;

/** Why a failover left an instance where it is, in the reader's language. */
export const recoverySkipText = (skipped: { readonly code: RecoverySkipReason; readonly params: CodeParams }, language: Language): string =>
  put(CODE_TEXTS[language].recoverySkips[skipped.code] ?? skipped.code, skipped.params);

/** Where an instance of a recovery report stands, in the reader's language. */
export const recoveryStateText = (state: RecoveryState, language: Language): string => CODE_TEXTS[language].recoveryStates[state] ?? state;
