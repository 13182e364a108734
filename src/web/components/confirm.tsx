// A destructive action asks first, in a real dialog (focus trapped, Escape cancels).
import { useEffect, useRef, useState, type ReactNode } from "react";
import { common, useT } from "../i18n.js";

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  danger = false,
  disabled = false,
}: {
  label: string;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm(): void | Promise<void>;
  danger?: boolean;
  disabled?: boolean;
}) {
  const t = useT(common);
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => () => dialog.current?.close(), []);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      dialog.current?.close();
    }
  };
  return (
    <>
      <button type="button" className={danger ? "danger" : "secondary"} disabled={disabled || busy} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-label={label}>
        <p>{question}</p>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            {t("cancel")}
          </button>
          <button type="button" className={danger ? "danger" : "primary"} disabled={busy} onClick={() => void confirm()}>
            {confirmLabel ?? t("confirm")}
          </button>
        </div>
      </dialog>
    </>
  );
}
