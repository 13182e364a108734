// Free text in core: the API's rule (src/contracts/text.ts), checked again where text enters
// desired state or the database, whoever calls.
import { TEXT_RULE, textProblem } from "../contracts/text.js";
import { InputError } from "./errors.js";

export function assertText(
  pointer: string,
  value: string,
  options: { readonly maxLength: number; readonly minLength?: number; readonly spaces?: boolean },
): void {
  const problem = textProblem(value, options);
  if (problem) throw InputError.field(pointer, TEXT_RULE, problem);
  const length = [...value].length;
  if (length > options.maxLength) throw InputError.field(pointer, "maxLength", `must be at most ${options.maxLength} characters (got ${length})`);
  if (length < (options.minLength ?? 0))
    throw InputError.field(pointer, "minLength", `must be at least ${options.minLength} character${options.minLength === 1 ? "" : "s"}`);
}
