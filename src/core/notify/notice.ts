/**
 * What Plateau tells people of something that concerns them (an instance idle and about to be
 * stopped, an alert of their lab): a code and its parameters, never prose (ADR 18); the portal,
 * the e-mail and the chat webhook word it. The notification service decides who receives it
 * (the project's owners and editors, its lab's admins) and delivers it once per `key`.
 */
export interface NoticeDraft {
  /** The same key is delivered once, however often it is published (e.g. `idle-stop:<project>/<instance>:<date>`). */
  readonly key: string;
  /** What happened or will happen: a code of `src/contracts/codes.ts` (e.g. `idle-stop-planned`, `alert-instance-down`). */
  readonly kind: string;
  readonly params: Readonly<Record<string, string | number>>;
  readonly project: string;
  readonly instance?: string;
  /** When what it announces will happen (ISO 8601), if it is to come. */
  readonly due?: string;
  /** The one action that prevents it or fixes it, as a code (e.g. `open-instance`, `renew`, `resize`). */
  readonly action?: string;
}

export type PublishNotice = (draft: NoticeDraft) => Promise<void>;
