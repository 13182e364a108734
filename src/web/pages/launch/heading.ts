// What the page's heading says of a template or a chart.
import type { HelmChartForm, TemplateDetail } from "../../../contracts/api.js";
import { localized, type Language } from "../../i18n.js";

export function headingOf(detail: TemplateDetail | HelmChartForm, language: Language) {
  if ("catalog" in detail) {
    return {
      title: detail.title,
      description: detail.description,
      documentation: detail.home && /^https:\/\//i.test(detail.home) ? detail.home : null,
      // Only https icons: a chart's index may name anything.
      icon: detail.icon && /^https:\/\//i.test(detail.icon) ? detail.icon : null,
      // It cannot be stopped, only removed: its expiry removes it (ADR 24).
      removedOnExpiry: detail.stop === "remove-on-expiry",
    };
  }
  return {
    title: localized(detail.title, language),
    description: localized(detail.description, language),
    documentation: detail.documentation,
    icon: null,
    removedOnExpiry: false,
  };
}
