/** A login no one else has: `alice`, else `alice-2`, `alice-3`… (logins are members in git). */
export function uniqueLogin(wanted: string, taken: (login: string) => boolean): string {
  if (!taken(wanted)) return wanted;
  for (let n = 2; ; n++) {
    const candidate = `${wanted.slice(0, 60)}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}
