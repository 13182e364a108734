// One rule for every free-text field Plateau accepts: project titles, group names, token
// names, and the identifiers people type (template, version, platform). Titles and groups are
// committed to the public repository and shown in terminals and pages, so text is refused
// when it carries what a reader cannot see or what rearranges what they see:
// - C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F): NUL, escapes, line breaks,
//   tabs (these fields are one line), and the line and paragraph separators U+2028, U+2029;
// - the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069
//   ("Trojan Source", CVE-2021-42574): they reorder what follows them on display (the
//   implicit marks U+200E, U+200F and U+061C are allowed: they reorder nothing by themselves);
// - characters that show nothing: the soft hyphen U+00AD, the zero-width space U+200B, the word
//   joiner and invisible operators U+2060–U+2064, the zero-width no-break space U+FEFF, the
//   Mongolian vowel separator U+180E, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and
//   the interlinear annotation marks U+FFF9–U+FFFB (the joiners U+200C and U+200D are allowed:
//   emoji sequences and Persian or Indic words need them);
// - lone surrogates (half of a UTF-16 pair: not a character, not encodable as UTF-8);
// - white space at either end (white space inside is fine in titles and token names).
// Group names take no white space at all. The rule is one regular expression, for the API's
// JSON Schemas (ajv runs it with the u flag; it also holds without it), core (`assertText`)
// and the portal. This file imports nothing, so the portal may use it at run time.

/**
 * The characters that act on a display instead of showing (C0 and C1 controls, line and
 * paragraph separators, bidirectional controls), as a character class's body: refused in free
 * text, and written out by the CLI when others' text carries them.
 */
export const DISPLAY_CONTROLS = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";

const FORBIDDEN = DISPLAY_CONTROLS + "\\u00ad\\u115f\\u1160\\u180e\\u200b\\u2060-\\u2064\\u3164\\ufeff\\uffa0\\ufff9-\\ufffb";
/** One character: any but the forbidden ones, a surrogate pair counting as one (either flag). */
const CHARACTER = (extra: string) => `(?:[^${FORBIDDEN}${extra}\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])`;

/** Free text on one line: no control, bidirectional control, invisible character or lone surrogate, no white space at either end. */
export const TEXT_PATTERN = `^(?!\\s)${CHARACTER("")}*(?<!\\s)$`;
/** A word (a group name): the same, and no white space anywhere. */
export const WORD_PATTERN = `^${CHARACTER("\\s")}*$`;

/** The rule a refusal names, in every 400 about text. */
export const TEXT_RULE = "text";
export const TEXT_MESSAGE =
  "must be plain text: no control characters (NUL, tabs, line breaks…), no bidirectional controls (U+202A–U+202E, U+2066–U+2069), " +
  "no invisible characters (U+200B, U+2060–U+2064, U+FEFF, U+00AD…), no lone surrogates, no spaces at either end";
export const WORD_MESSAGE = `${TEXT_MESSAGE.replace(", no spaces at either end", "")}, no spaces`;

const text = new RegExp(TEXT_PATTERN, "u");
const word = new RegExp(WORD_PATTERN, "u");

/** Why a text breaks the rule, or undefined when it follows it. */
export function textProblem(value: string, options: { readonly spaces?: boolean } = {}): string | undefined {
  if (options.spaces === false) return word.test(value) ? undefined : WORD_MESSAGE;
  return text.test(value) ? undefined : TEXT_MESSAGE;
}

/** The rule and message of a JSON Schema pattern that is one of these, for the API's errors. */
export function textRuleOf(pattern: unknown): { readonly rule: string; readonly message: string } | undefined {
  if (pattern === TEXT_PATTERN) return { rule: TEXT_RULE, message: TEXT_MESSAGE };
  if (pattern === WORD_PATTERN) return { rule: TEXT_RULE, message: WORD_MESSAGE };
  return undefined;
}
