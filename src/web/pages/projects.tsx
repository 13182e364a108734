// Placeholder until the page is written (issue 5, in progress).
export function ProjectsPage() {
  return <h1>…</h1>;
}
export function ProjectPage(_props: { project: string }) {
  return <h1>…</h1>;
}
