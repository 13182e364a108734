// Placeholder until the page is written (issue 5, in progress).
export function LabPage(_props: Record<string, string>) {
  return <h1>…</h1>;
}
