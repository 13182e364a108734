// Tenancy of metrics: every series selector of a query a person sends carries the matcher of
// the projects they may see, on the platform's namespace label. The query is parsed by the
// official PromQL grammar (@prometheus-io/lezer-promql) and rebuilt by replacing syntax
// nodes — never by regular expressions over its text. What the grammar does not understand,
// or what this module cannot scope, is refused: an unscoped selector must never reach the
// source. The source also gets the same matcher as VictoriaMetrics' `extra_filters[]`
// (ADR 25): a second fence should the two parsers ever read a query differently.
import { parser } from "@prometheus-io/lezer-promql";
import { InputError, NotAllowedError } from "../errors.js";
import { isValidName } from "../names.js";

/** The series a caller may read: all (operators), or those of some projects. */
export type MetricsScope = { readonly kind: "all" } | { readonly kind: "projects"; readonly projects: readonly string[] };

/** A label name as Prometheus 2 and VictoriaMetrics write them (no quoted UTF-8 names). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A longer query is refused before it is parsed (Grafana's are a few hundred bytes). */
export const QUERY_MAX_LENGTH = 10_000;

/**
 * The syntax nodes whose meaning is known here: expressions, operators, modifiers, literals
 * and comments. Anything else (Prometheus 3's experimental `info()`, `smoothed`, `fill`,
 * quoted label names…) is refused: `info()` reads series no selector names.
 */
const UNDERSTOOD = new Set([
  "PromQL",
  "AggregateExpr",
  "AggregateOp",
  "AggregateModifier",
  "By",
  "Without",
  "GroupingLabels",
  "LabelName",
  "StringLiteral",
  "FunctionCallBody",
  "BinaryExpr",
  "Pow",
  "Mul",
  "Div",
  "Mod",
  "Add",
  "Sub",
  "Eql",
  "Gte",
  "Gtr",
  "Lte",
  "Lss",
  "Neq",
  "And",
  "Or",
  "Unless",
  "Atan2",
  "BoolModifier",
  "Bool",
  "MatchingModifierClause",
  "On",
  "Ignoring",
  "GroupLeft",
  "GroupRight",
  "NumberDurationLiteral",
  "FunctionCall",
  "FunctionIdentifier",
  "MatrixSelector",
  "DurationExpr",
  "NumberDurationLiteralInDurationContext",
  "UnaryExpr",
  "UnaryOp",
  "OffsetExpr",
  "Offset",
  "OffsetDurationExpr",
  "ParenExpr",
  "SubqueryExpr",
  "VectorSelector",
  "Identifier",
  "LabelMatchers",
  "UnquotedLabelMatcher",
  "MatchOp",
  "EqlSingle",
  "EqlRegex",
  "NeqRegex",
  "StepInvariantExpr",
  "At",
  "AtModifierPreprocessors",
  "AtStart",
  "AtEnd",
  "LineComment",
  "inf",
  "nan",
  "Avg",
  "Bottomk",
  "Count",
  "CountValues",
  "Group",
  "Max",
  "Min",
  "Quantile",
  "Stddev",
  "Stdvar",
  "Sum",
  "Topk",
]);
/** Function names the grammar knows, but that read series no selector names. */
const REFUSED_FUNCTIONS = new Set(["Info"]);

/**
 * What lies between the named nodes: punctuation (the grammar names no bracket nor comma) and
 * the white space both parsers skip alike (the grammar also skips Unicode spaces, VictoriaMetrics does not).
 */
const BETWEEN_TOKENS = /^[ \t\r\n(){}[\],:]*$/;

/** A PromQL string literal holding exactly `value`. */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/** A regular expression (RE2) matching exactly `value`. */
export function regexLiteral(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

/**
 * The matcher that fences a selector to the scope's projects: `namespace="a"` for one,
 * `namespace=~"^(?:a|b)$"` for several. Undefined for all projects. An empty scope is refused:
 * a person of no project reads no series (an error saying so, rather than empty answers that
 * look like a broken dashboard).
 */
export function scopeMatcher(scope: MetricsScope, namespaceLabel: string): string | undefined {
  if (!LABEL_NAME.test(namespaceLabel)) throw new Error(`invariant violated: ${JSON.stringify(namespaceLabel)} is not a label name`);
  if (scope.kind === "all") return undefined;
  if (scope.projects.length === 0) {
    throw new NotAllowedError("you are a member of no project: there are no series you may read (ask a project's owner to add you)");
  }
  for (const project of scope.projects) {
    // Project names are DNS labels; escaped all the same, so that nothing else could ever widen the matcher.
    if (!isValidName(project)) throw new Error(`invariant violated: ${JSON.stringify(project)} is not a project name`);
  }
  const projects = [...new Set(scope.projects)].sort();
  if (projects.length === 1) return `${namespaceLabel}=${promqlString(projects[0] as string)}`;
  return `${namespaceLabel}=~${promqlString(`^(?:${projects.map(regexLiteral).join("|")})$`)}`;
}

/** VictoriaMetrics' `extra_filters[]` for the scope: one selector (several would be ORed), none for all projects. */
export function scopeFilters(scope: MetricsScope, namespaceLabel: string): string[] {
  const matcher = scopeMatcher(scope, namespaceLabel);
  return matcher === undefined ? [] : [`{${matcher}}`];
}

interface Replacement {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** The texts of a node's children (a matcher's name, operator and value; a MatchOp's single token is its own child). */
function tokensOf(query: string, node: { firstChild: SyntaxNodeLike | null }): string[] {
  const texts: string[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== "LineComment") texts.push(query.slice(child.from, child.to));
  }
  return texts;
}
interface SyntaxNodeLike {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly nextSibling: SyntaxNodeLike | null;
}

const refuse = (field: string, message: string) => InputError.field(field, "promql", message);

function near(text: string, at: number): string {
  const shown = text.slice(Math.max(0, at - 10), at + 20).replace(/\s+/g, " ");
  return `at character ${at + 1} (near ${JSON.stringify(shown)})`;
}

/**
 * Parses `query` and returns it with `matcher` added to every vector selector (undefined: the
 * query only validated, comments dropped). `selectorOnly` is for `match[]`: the whole text must
 * be one selector.
 */
function rewrite(query: string, matcher: string | undefined, field: string, selectorOnly: boolean): string {
  if (query.length > QUERY_MAX_LENGTH) throw refuse(field, `is ${query.length} characters long; at most ${QUERY_MAX_LENGTH} are accepted`);
  if (query.trim() === "") throw refuse(field, "is empty");
  const tree = parser.parse(query);
  const replacements: Replacement[] = [];
  let problem: string | undefined;
  let lastEnd = 0;
  let selectors = 0;
  // Tree.iterate walks with a cursor, without recursion: deep nesting cannot exhaust the stack.
  tree.iterate({
    enter(node) {
      if (problem !== undefined) return false;
      if (node.from > lastEnd && !BETWEEN_TOKENS.test(query.slice(lastEnd, node.from))) {
        problem = `has characters PromQL does not read between tokens ${near(query, lastEnd)}`;
        return false;
      }
      if (node.type.isError) {
        problem = `is not valid PromQL ${near(query, node.from)}`;
        return false;
      }
      const name = node.name;
      const parent = node.node.parent;
      const isFunctionName = parent?.name === "FunctionIdentifier";
      if ((isFunctionName && REFUSED_FUNCTIONS.has(name)) || (!isFunctionName && !UNDERSTOOD.has(name))) {
        problem = `uses ${JSON.stringify(query.slice(node.from, node.to))}, which Plateau cannot restrict to your projects (${name}) ${near(query, node.from)}`;
        return false;
      }
      if (name === "PromQL" && selectorOnly) {
        const only = node.node.firstChild;
        if (!only || only.name !== "VectorSelector" || only.nextSibling !== null) {
          problem = 'must be one series selector, such as up{job="node"}';
          return false;
        }
      }
      if (name === "LineComment") {
        // Dropped: nothing left that another reader could take for part of the query.
        replacements.push({ from: node.from, to: node.to, text: " " });
      }
      if (name === "VectorSelector") {
        selectors++;
        if (matcher !== undefined) {
          let metric = "";
          const matchers: string[] = [];
          for (let child = node.node.firstChild; child; child = child.nextSibling) {
            if (child.name === "Identifier") metric = query.slice(child.from, child.to);
            if (child.name === "LabelMatchers") {
              for (let one = child.firstChild; one; one = one.nextSibling) {
                // Rebuilt from its three tokens: a comment inside it is dropped too.
                if (one.name === "UnquotedLabelMatcher") matchers.push(tokensOf(query, one).join(""));
              }
            }
          }
          // The caller's matchers stay, ANDed with the scope's (a conflicting one matches nothing).
          replacements.push({ from: node.from, to: node.to, text: `${metric}{${[matcher, ...matchers].join(", ")}}` });
        }
      }
      if (node.node.firstChild === null) lastEnd = node.to;
      return undefined;
    },
  });
  if (problem === undefined && lastEnd < query.length && !BETWEEN_TOKENS.test(query.slice(lastEnd))) {
    problem = `has characters PromQL does not read ${near(query, lastEnd)}`;
  }
  if (problem !== undefined) throw refuse(field, problem);
  if (selectorOnly && selectors !== 1) throw refuse(field, 'must be one series selector, such as up{job="node"}');

  // Comments inside a rebuilt selector are gone with it: keep only the outermost replacements.
  replacements.sort((a, b) => a.from - b.from || b.to - a.to);
  let out = "";
  let at = 0;
  for (const replacement of replacements) {
    if (replacement.from < at) continue;
    out += query.slice(at, replacement.from) + replacement.text;
    at = replacement.to;
  }
  out += query.slice(at);
  if (matcher !== undefined) assertScoped(out, matcher, field);
  return out;
}

/** The rewritten query, read again: every selector starts with the scope's matcher, or nothing is sent. */
function assertScoped(query: string, matcher: string, field: string): void {
  let unscoped = false;
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) unscoped = true;
      if (node.name !== "VectorSelector") return undefined;
      const matchers = node.node.getChild("LabelMatchers");
      const first = matchers?.firstChild;
      if (!first || query.slice(first.from, first.to) !== matcher) unscoped = true;
      return false;
    },
  });
  if (unscoped) throw refuse(field, "could not be restricted to your projects");
}

/**
 * The query as the source receives it: each vector selector (in functions, aggregations,
 * binary operands, subqueries, under `offset` and `@`) carries the scope's matcher. Refused
 * (InputError naming `field`, rule `promql`): what the grammar does not parse, what cannot be
 * scoped, more than QUERY_MAX_LENGTH characters; NotAllowedError: an empty scope.
 */
export function scopeQuery(query: string, scope: MetricsScope, namespaceLabel: string, field = "/query"): string {
  return rewrite(query, scopeMatcher(scope, namespaceLabel), field, false);
}

/**
 * The `match[]` of `series`, `labels` and `label/…/values`, scoped: each must be one series
 * selector. None given: the scope's own selector for a scoped caller (an operator's stays none).
 */
export function scopeSelectors(match: readonly string[], scope: MetricsScope, namespaceLabel: string, field = "/match[]"): string[] {
  const matcher = scopeMatcher(scope, namespaceLabel);
  if (match.length === 0) return matcher === undefined ? [] : [`{${matcher}}`];
  return match.map((selector) => rewrite(selector, matcher, field, true));
}
