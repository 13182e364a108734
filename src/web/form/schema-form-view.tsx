// Draws a form built by schema-form.ts: one labelled control per field, groups as fieldsets,
// the description and any problem under each control (tied to it with aria-describedby), and
// size presets as radio cards that say what each one reserves. The values live with the page,
// which hears of every change through `onChange`.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { defineMessages, useLanguage, useT, type Language } from "../i18n.js";
import { deepEqual } from "../../contracts/json.js";
import {
  fieldId,
  formatLines,
  hasVisibleContent,
  parseJsonInput,
  parseLines,
  parseNumberInput,
  sliderAmount,
  sliderValue,
  typesOf,
  valueAt,
  within,
  type Edits,
  type Field,
  type FieldError,
  type JsonValue,
} from "./schema-form.js";
import "./schema-form.css";

const messages = defineMessages({
  en: {
    required: "required",
    choose: "Choose…",
    readonly: "Set by the platform.",
    password:
      "Never written to the public desired-state repository: leave it as it is and Plateau generates one, or type your own; Plateau keeps it, and you read it on the instance's page.",
    lines: "One item per line.",
    json: "As JSON.",
    invalid: "This value is not accepted.",
    "rule.required": "Required.",
    "rule.integer": "Enter a whole number.",
    "rule.enum": "Choose one of the options.",
    "rule.const": "Must be {limit}.",
    "rule.pattern": "This format is not accepted (expected: {limit}).",
    "rule.minLength": "At least {limit} characters.",
    "rule.maxLength": "At most {limit} characters.",
    "rule.minimum": "At least {limit}.",
    "rule.maximum": "At most {limit}.",
    "rule.exclusiveMinimum": "More than {limit}.",
    "rule.exclusiveMaximum": "Less than {limit}.",
    "rule.multipleOf": "A multiple of {limit}.",
    "rule.minItems": "At least {limit} items.",
    "rule.maxItems": "At most {limit} items.",
    "rule.uniqueItems": "Each item must differ from the others.",
    "rule.additionalProperties": "Not an accepted member.",
    "rule.slider": "A number followed by “{limit}”.",
    "rule.sliderRange": "Must not be above the maximum ({limit}).",
    "rule.json": "This is not valid JSON.",
    "type.string": "Enter text.",
    "type.number": "Enter a number.",
    "type.integer": "Enter a whole number.",
    "type.boolean": "Must be true or false.",
    "type.array": "Must be a list.",
    "type.object": "Must be an object ({ … }).",
    "type.null": "Must be empty (null).",
    atLine: "Line {line}: {message}",
    atPath: "At {at}: {message}",
    cpu: "{amount} CPU",
    memoryGiB: "{amount} GiB",
    memoryMiB: "{amount} MiB",
    gpu: "{amount} GPU",
  },
  fr: {
    required: "obligatoire",
    choose: "Choisir…",
    readonly: "Fixé par la plateforme.",
    password:
      "Jamais écrit dans le dépôt public de l'état désiré : laissez-le tel quel et Plateau en génère un, ou tapez le vôtre ; Plateau le garde, et vous le lisez sur la page de l'instance.",
    lines: "Un élément par ligne.",
    json: "En JSON.",
    invalid: "Cette valeur n'est pas acceptée.",
    "rule.required": "Obligatoire.",
    "rule.integer": "Saisissez un nombre entier.",
    "rule.enum": "Choisissez l'une des options.",
    "rule.const": "Doit valoir {limit}.",
    "rule.pattern": "Ce format n'est pas accepté (attendu : {limit}).",
    "rule.minLength": "Au moins {limit} caractères.",
    "rule.maxLength": "Au plus {limit} caractères.",
    "rule.minimum": "Au moins {limit}.",
    "rule.maximum": "Au plus {limit}.",
    "rule.exclusiveMinimum": "Plus de {limit}.",
    "rule.exclusiveMaximum": "Moins de {limit}.",
    "rule.multipleOf": "Un multiple de {limit}.",
    "rule.minItems": "Au moins {limit} éléments.",
    "rule.maxItems": "Au plus {limit} éléments.",
    "rule.uniqueItems": "Chaque élément doit différer des autres.",
    "rule.additionalProperties": "Ce membre n'est pas accepté.",
    "rule.slider": "Un nombre suivi de « {limit} ».",
    "rule.sliderRange": "Ne doit pas dépasser le maximum ({limit}).",
    "rule.json": "Ce n'est pas du JSON valide.",
    "type.string": "Saisissez du texte.",
    "type.number": "Saisissez un nombre.",
    "type.integer": "Saisissez un nombre entier.",
    "type.boolean": "Doit être vrai ou faux.",
    "type.array": "Doit être une liste.",
    "type.object": "Doit être un objet ({ … }).",
    "type.null": "Doit être vide (null).",
    atLine: "Ligne {line} : {message}",
    atPath: "En {at} : {message}",
    cpu: "{amount} CPU",
    memoryGiB: "{amount} Gio",
    memoryMiB: "{amount} Mio",
    gpu: "{amount} GPU",
  },
});
type Key = keyof (typeof messages)["en"];
type Translate = (key: Key, params?: Record<string, string | number>) => string;

/** What a size preset reserves while the instance runs (a template's `presets`). */
export interface PresetResources {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu: number;
}

const number = (value: number, language: Language) => new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 2 }).format(value);

/** "0.5 CPU · 512 MiB · 1 GPU", in the person's language (memory below 1 GiB in MiB). */
export function resourcesText(resources: PresetResources, language: Language): string {
  const t: Translate = (key, params) => messages[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params?.[name] ?? whole));
  const memory =
    resources.memoryGiB > 0 && resources.memoryGiB < 1
      ? t("memoryMiB", { amount: number(resources.memoryGiB * 1024, language) })
      : t("memoryGiB", { amount: number(resources.memoryGiB, language) });
  return [
    t("cpu", { amount: number(resources.cpu, language) }),
    memory,
    ...(resources.gpu > 0 ? [t("gpu", { amount: number(resources.gpu, language) })] : []),
  ].join(" · ");
}

function errorText(error: FieldError, field: Field, t: Translate): string {
  const limit = error.limit ?? "";
  const typeKey = `type.${String(limit)}` as Key;
  const base = error.rule === "type" ? (typeKey in messages.en ? t(typeKey) : t("invalid")) : t(`rule.${error.rule}` as Key, { limit });
  if (error.at === undefined) return base;
  const line = /^\/([0-9]+)$/.exec(error.at);
  if (field.kind === "list" && line) return t("atLine", { line: Number(line[1]) + 1, message: base });
  return t("atPath", { at: error.at, message: base });
}

interface FormContext {
  readonly values: JsonValue;
  readonly errors: Readonly<Record<string, FieldError>>;
  readonly serverIssues: Readonly<Record<string, readonly string[]>>;
  readonly reveal: boolean;
  readonly edits: Edits;
  readonly onChange: (pointer: string, value: JsonValue | undefined) => void;
  readonly idPrefix: string;
  readonly presets: { readonly pointer: string; readonly resources: Readonly<Record<string, PresetResources>> } | undefined;
}
const Context = createContext<FormContext | null>(null);
const useForm = (): FormContext => {
  const context = useContext(Context);
  if (!context) throw new Error("a schema field outside SchemaForm");
  return context;
};

export interface SchemaFormProps {
  readonly form: Field;
  readonly values: JsonValue;
  /** The client's checks (schema-form.ts `validate`). */
  readonly errors: Readonly<Record<string, FieldError>>;
  /** The server's messages by field (schema-form.ts `placeIssues`): always shown. */
  readonly serverIssues?: Readonly<Record<string, readonly string[]>>;
  /** Show every client problem (after a refused submit); otherwise only those of fields the person changed. */
  readonly reveal?: boolean;
  readonly edits: Edits;
  onChange(pointer: string, value: JsonValue | undefined): void;
  /** The enum field drawn as radio cards, and what each of its values reserves. */
  readonly presets?: { readonly pointer: string; readonly resources: Readonly<Record<string, PresetResources>> };
  /** Prefix of the controls' ids (fieldId), unique on the page. */
  readonly idPrefix?: string;
}

/** Forms with more fields than this fold their top-level groups (Onyxia's charts have dozens). */
const FOLD_ABOVE = 20;
/** How many top-level groups stay open in a folded form: the first ones are what matters most (image, resources, storage). */
const OPEN_GROUPS = 3;

const countLeaves = (field: Field): number => (field.kind === "object" ? field.fields.reduce((sum, child) => sum + countLeaves(child), 0) : 1);

/** The form's fields; the page wraps them in its own <form> beside its own controls. */
export function SchemaForm({ form, values, errors, serverIssues = {}, reveal = false, edits, onChange, presets, idPrefix = "value" }: SchemaFormProps) {
  const context: FormContext = { values, errors, serverIssues, reveal, edits, onChange, idPrefix, presets };
  const fold = countLeaves(form) > FOLD_ABOVE;
  let groups = 0;
  return (
    <Context.Provider value={context}>
      <div className="schema-form">
        {form.fields.map((field) => {
          const foldable = fold && field.kind === "object" && hasVisibleContent(field, values);
          const open = foldable ? groups++ < OPEN_GROUPS : undefined;
          return <FieldView key={field.pointer} field={field} {...(open !== undefined ? { open } : {})} />;
        })}
      </div>
    </Context.Provider>
  );
}

/** Focuses a field's control, opening the folded groups around it first. */
export function focusField(id: string): boolean {
  const element = document.getElementById(id);
  if (!element) return false;
  for (let details = element.closest("details"); details; details = details.parentElement?.closest("details") ?? null) details.open = true;
  element.focus();
  return true;
}

function FieldView({ field, open }: { field: Field; open?: boolean }) {
  const form = useForm();
  if (!hasVisibleContent(field, form.values)) return null;
  if (field.kind === "object") return open === undefined ? <GroupView field={field} /> : <FoldedGroupView field={field} initiallyOpen={open} />;
  if (field.kind === "select" && form.presets?.pointer === field.pointer) return <PresetView field={field} resources={form.presets.resources} />;
  return <LeafView field={field} />;
}

/** The messages under a field: the client's problem once it is worth showing, then the server's. */
function useProblems(field: Field): string[] {
  const form = useForm();
  const t = useT(messages);
  const changed = form.reveal || Object.keys(form.edits).some((pointer) => within(pointer, field.pointer));
  const error = changed ? form.errors[field.pointer] : undefined;
  return [...(error ? [errorText(error, field, t)] : []), ...(form.serverIssues[field.pointer] ?? [])];
}

function GroupView({ field }: { field: Field }) {
  const form = useForm();
  const problems = useProblems(field);
  const id = fieldId(form.idPrefix, field.pointer);
  return (
    <fieldset className="schema-group" id={id} tabIndex={-1} aria-describedby={describedBy(id, field.description, problems)}>
      <legend>{field.title}</legend>
      {field.description && (
        <p className="help" id={`${id}-help`}>
          {field.description}
        </p>
      )}
      <Problems id={id} problems={problems} />
      {field.fields.map((child) => (
        <FieldView key={child.pointer} field={child} />
      ))}
    </fieldset>
  );
}

/** A top-level group of a long form, folded under its title; it opens by itself when something in it needs correcting. */
function FoldedGroupView({ field, initiallyOpen }: { field: Field; initiallyOpen: boolean }) {
  const form = useForm();
  const id = fieldId(form.idPrefix, field.pointer);
  const [open, setOpen] = useState(initiallyOpen);
  const problem =
    Object.keys(form.serverIssues).some((pointer) => within(pointer, field.pointer)) ||
    (form.reveal && Object.keys(form.errors).some((pointer) => within(pointer, field.pointer)));
  useEffect(() => {
    if (problem) setOpen(true);
  }, [problem]);
  return (
    <details className="schema-group folded" id={id} open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary id={`${id}-summary`}>{field.title}</summary>
      <div role="group" aria-labelledby={`${id}-summary`}>
        {field.description && <p className="help">{field.description}</p>}
        <Problems id={id} problems={form.serverIssues[field.pointer] ?? []} />
        {field.fields.map((child) => (
          <FieldView key={child.pointer} field={child} />
        ))}
      </div>
    </details>
  );
}

const describedBy = (id: string, description: string, problems: readonly string[], note?: boolean): string | undefined =>
  [description ? `${id}-help` : "", note ? `${id}-note` : "", problems.length > 0 ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

function Problems({ id, problems }: { id: string; problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <p className="field-error" id={`${id}-error`}>
      {problems.join(" ")}
    </p>
  );
}

function Label({ id, field }: { id: string; field: Field }) {
  const t = useT(messages);
  return (
    <label htmlFor={id}>
      {field.title}
      {field.required && (
        <>
          {" "}
          <abbr className="required" title={t("required")}>
            *
          </abbr>
        </>
      )}
    </label>
  );
}

function LeafView({ field }: { field: Field }) {
  const form = useForm();
  const t = useT(messages);
  const id = fieldId(form.idPrefix, field.pointer);
  const problems = useProblems(field);
  const value = valueAt(form.values, field.pointer);
  const note = field.readonly
    ? t("readonly")
    : field.kind === "password"
      ? t("password")
      : field.kind === "list"
        ? t("lines")
        : field.kind === "json"
          ? t("json")
          : "";
  const common = {
    id,
    "aria-invalid": problems.length > 0 ? true : undefined,
    "aria-describedby": describedBy(id, field.description, problems, note !== ""),
    "aria-required": field.required ? true : undefined,
  } as const;
  const set = (next: JsonValue | undefined) => form.onChange(field.pointer, next);
  let control: ReactNode;
  switch (field.kind) {
    case "boolean":
      control = <input {...common} type="checkbox" checked={value === true} disabled={field.readonly} onChange={(e) => set(e.target.checked)} />;
      break;
    case "select":
      control = <SelectControl field={field} value={value} attributes={common} onSet={set} />;
      break;
    case "slider":
      control = <SliderControl field={field} value={value} attributes={common} onSet={set} />;
      break;
    case "number":
      control = (
        <input
          {...common}
          type="number"
          inputMode={field.types.includes("integer") ? "numeric" : "decimal"}
          value={typeof value === "number" ? String(value) : typeof value === "string" ? value : ""}
          min={typeof field.schema.minimum === "number" ? field.schema.minimum : undefined}
          max={typeof field.schema.maximum === "number" ? field.schema.maximum : undefined}
          step={field.types.includes("integer") ? 1 : "any"}
          readOnly={field.readonly}
          onChange={(e) => set(parseNumberInput(e.target.value))}
        />
      );
      break;
    case "textArea":
      control = <textarea {...common} value={text(value)} readOnly={field.readonly} onChange={(e) => set(e.target.value)} />;
      break;
    case "list":
      control = <ListControl field={field} value={value} attributes={common} onSet={set} />;
      break;
    case "json":
      control = <JsonControl field={field} value={value} attributes={common} onSet={set} />;
      break;
    default:
      control = (
        <input
          {...common}
          type={field.kind === "password" ? "password" : "text"}
          autoComplete={field.kind === "password" ? "new-password" : "off"}
          spellCheck={false}
          value={text(value)}
          readOnly={field.readonly}
          onChange={(e) => set(e.target.value)}
        />
      );
  }
  return (
    <div className={`field field-${field.kind}`} data-field={field.pointer}>
      {field.kind === "boolean" ? (
        <div className="checkbox">
          {control}
          <Label id={id} field={field} />
        </div>
      ) : (
        <>
          <Label id={id} field={field} />
          {control}
        </>
      )}
      {field.description && (
        <p className="help" id={`${id}-help`}>
          {field.description}
        </p>
      )}
      {note && (
        <p className="help" id={`${id}-note`}>
          {note}
        </p>
      )}
      <Problems id={id} problems={problems} />
    </div>
  );
}

const text = (value: unknown): string => (typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value));

interface ControlProps {
  readonly field: Field;
  readonly value: unknown;
  readonly attributes: Readonly<Record<string, unknown>> & { readonly id: string };
  onSet(value: JsonValue | undefined): void;
}

function SelectControl({ field, value, attributes, onSet }: ControlProps) {
  const t = useT(messages);
  const index = field.options.findIndex((option) => deepEqual(option.value, value));
  return (
    <select
      {...attributes}
      value={index >= 0 ? String(index) : ""}
      disabled={field.readonly}
      onChange={(e) => onSet(field.options[Number(e.target.value)]?.value)}
    >
      {index < 0 && <option value="">{t("choose")}</option>}
      {field.options.map((option, i) => (
        <option key={i} value={String(i)}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

function SliderControl({ field, value, attributes, onSet }: ControlProps) {
  const slider = field.slider;
  if (!slider) return null;
  const amount = sliderAmount(value, slider.unit);
  const shown = typeof value === "string" ? value : typeof value === "number" ? `${value}${slider.unit ?? ""}` : "";
  const integer = field.types.includes("integer");
  return (
    <div className="slider">
      <input
        {...attributes}
        type="range"
        min={slider.min}
        max={slider.max}
        step={slider.step ?? (integer ? 1 : "any")}
        value={amount ?? slider.min}
        aria-valuetext={shown}
        disabled={field.readonly}
        onChange={(e) => onSet(sliderValue(field, Number(e.target.value)))}
      />
      <output htmlFor={attributes.id}>{shown}</output>
    </div>
  );
}

/** Lists are typed one item per line; the text is kept as typed while its items are the value. */
function ListControl({ field, value, attributes, onSet }: ControlProps) {
  const items = field.schema.items;
  // One list per field (the form is built once), so that the effect below runs on a new value only.
  const itemTypes = useMemo(() => typesOf(typeof items === "object" && items !== null ? (items as Record<string, unknown>) : {}), [items]);
  const [draft, setDraft] = useState(() => formatLines(value));
  // Another value from outside (a reloaded form): show it, unless it is what the draft says.
  useEffect(() => {
    setDraft((current) => (deepEqual(parseLines(current, itemTypes), value) ? current : formatLines(value)));
  }, [value, itemTypes]);
  return (
    <textarea
      {...attributes}
      rows={Math.min(12, Math.max(3, draft.split("\n").length + 1))}
      spellCheck={false}
      value={draft}
      readOnly={field.readonly}
      onChange={(e) => {
        setDraft(e.target.value);
        onSet(parseLines(e.target.value, itemTypes));
      }}
    />
  );
}

/** A value as the JSON box shows it: a string as typed where the field takes no strings (it did not parse). */
const jsonText = (types: readonly string[], v: unknown): string =>
  v === undefined ? "" : typeof v === "string" && !types.includes("string") ? v : JSON.stringify(v, null, 2);

function JsonControl({ field, value, attributes, onSet }: ControlProps) {
  const { types } = field;
  const [draft, setDraft] = useState(() => jsonText(types, value));
  useEffect(() => {
    setDraft((current) => (deepEqual(parseJsonInput(current), value) || current === value ? current : jsonText(types, value)));
  }, [value, types]);
  return (
    <textarea
      {...attributes}
      className="json"
      rows={Math.min(14, Math.max(3, draft.split("\n").length + 1))}
      spellCheck={false}
      value={draft}
      readOnly={field.readonly}
      onChange={(e) => {
        setDraft(e.target.value);
        onSet(e.target.value.trim() === "" ? undefined : parseJsonInput(e.target.value));
      }}
    />
  );
}

/** Size presets as radio cards: the name of each, and what it reserves. */
function PresetView({ field, resources }: { field: Field; resources: Readonly<Record<string, PresetResources>> }) {
  const form = useForm();
  const { language } = useLanguage();
  const id = fieldId(form.idPrefix, field.pointer);
  const problems = useProblems(field);
  const value = valueAt(form.values, field.pointer);
  return (
    <fieldset className="field presets" id={id} tabIndex={-1} data-field={field.pointer} aria-describedby={describedBy(id, field.description, problems)}>
      <legend>{field.title}</legend>
      {field.description && (
        <p className="help" id={`${id}-help`}>
          {field.description}
        </p>
      )}
      <div className="preset-cards">
        {field.options.map((option, i) => {
          const reserved = typeof option.value === "string" ? resources[option.value] : undefined;
          // The built-in templates name each size with its resources in brackets for text
          // clients ("Small (0.5 CPU, 1 GiB)"): the card says them on a line of their own.
          const name = reserved ? option.label.replace(/\s*\([^)]*\)\s*$/, "") : option.label;
          return (
            <div className="preset-card" key={i}>
              <input
                type="radio"
                id={`${id}-${i}`}
                name={id}
                checked={deepEqual(option.value, value)}
                disabled={field.readonly}
                onChange={() => form.onChange(field.pointer, option.value)}
              />
              <label htmlFor={`${id}-${i}`}>
                <span className="preset-name">{name}</span>
                {reserved && <span className="preset-resources">{resourcesText(reserved, language)}</span>}
              </label>
            </div>
          );
        })}
      </div>
      <Problems id={id} problems={problems} />
    </fieldset>
  );
}
