// The launch form's state: where (project), under which name and version, and the values as
// edited over the form generated from the template's or chart's schema.
import { useMemo, useRef, useState } from "react";
import type { HelmChartForm, LaunchBody, TemplateDetail } from "../../../contracts/api.js";
import { focusField } from "../../form/schema-form-view.js";
import {
  buildForm,
  currentValues,
  defaultsOf,
  edit,
  fieldId,
  firstInvalid,
  submittedValues,
  validate,
  type Edits,
  type JsonValue,
} from "../../form/schema-form.js";
import { useLanguage } from "../../i18n.js";
import { useResource } from "../../use-resource.js";
import { nameProblem } from "./name.js";
import { launchBody, placementBody, sourcePath } from "./request.js";

/** The ids of the value fields start with it: `value-…`. */
export const ID_PREFIX = "value";

export function useLaunchForm(template: string, initialProject: () => string) {
  const { language } = useLanguage();
  const [project, setProject] = useState(initialProject);
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [version, setVersion] = useState("");
  const [edits, setEdits] = useState<Edits>({});
  const [reveal, setReveal] = useState(false);

  const source = useResource<TemplateDetail | HelmChartForm>(sourcePath(template, project, language, version));
  // While another project's or version's form loads, the last one stays on screen.
  const lastSource = useRef<TemplateDetail | HelmChartForm | undefined>(undefined);
  if (source.data) lastSource.current = source.data;
  const detail = source.data ?? lastSource.current;
  // The versions as first offered, newest first (the form's own list starts with the chosen one).
  const versions = useRef<string[] | undefined>(undefined);
  if (!versions.current && !version && source.data && "versions" in source.data) versions.current = source.data.versions;

  const form = useMemo(() => (detail ? buildForm(detail.valuesSchema, language) : undefined), [detail, language]);
  const defaults = useMemo(() => (form ? defaultsOf(form) : undefined), [form]);
  const values = useMemo(() => currentValues(defaults, edits), [defaults, edits]);
  const errors = useMemo(() => (form ? validate(form, values) : {}), [form, values]);
  const invalid = Object.keys(errors).length > 0;
  const nameError = nameProblem(name);
  const submitted = useMemo(() => (form ? submittedValues(form, edits, values) : {}), [form, edits, values]);
  const question: LaunchBody = placementBody(template, version, submitted);

  return {
    project,
    setProject,
    name,
    setName,
    nameTouched,
    touchName: () => setNameTouched(true),
    nameError,
    version,
    setVersion,
    versions: versions.current,
    source,
    detail,
    form,
    defaults,
    values,
    errors,
    invalid,
    edits,
    reveal,
    edit: (pointer: string, value: JsonValue | undefined) => setEdits((current) => edit(current, pointer, value)),
    /** What is asked before confirming: where it would run and what it costs. */
    question,
    /** What a launch sends. */
    body: launchBody(question, name),
    /** Shows every problem and focuses the first: true when the form may be sent. */
    readyToLaunch(): boolean {
      if (!form) return false;
      setReveal(true);
      setNameTouched(true);
      if (nameError) {
        document.getElementById("launch-name")?.focus();
        return false;
      }
      const first = firstInvalid(form, new Set(Object.keys(errors)));
      if (first !== undefined) {
        focusField(fieldId(ID_PREFIX, first));
        return false;
      }
      return true;
    },
  };
}
