// How clients draw a field of a Helm chart's form: the render hints the server writes under
// `x-plateau` in the form's JSON Schema (Onyxia's extensions, resolved). Types only, shared by
// core (which writes them) and the portal (which reads them).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A field hidden while the value at `pointer` equals `equals`; `relative`: the pointer starts at the field's parent. */
export interface HiddenCondition {
  readonly pointer: string;
  readonly equals: JsonValue;
  readonly relative?: true;
}

export interface SliderHint {
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  /** Written after the number in the value (`2000m`, `4Gi`); absent when the value is a number. */
  readonly unit?: string;
  /** One end of a range: the `down` and `up` fields of the same rangeId form one slider (requests and limits). */
  readonly extremity?: "down" | "up";
  readonly extremitySemantic?: string;
  readonly rangeId?: string;
}

/** What clients need to render a field, under `x-plateau` in the form's schema. */
export interface PlateauHints {
  readonly hidden?: true | HiddenCondition;
  /** Shown, not editable: the value must stay the default. */
  readonly readonly?: true;
  readonly render?: "slider" | "list" | "textArea" | "password";
  readonly slider?: SliderHint;
}
