// A table of records: scrolls sideways on a phone, named by its heading, one header per column.
import type { ReactNode } from "react";

export function Table({
  label,
  columns,
  className,
  children,
}: {
  /** The id of the heading that names the table, or its name when no heading shows. */
  label: { labelledBy: string } | { name: string };
  columns: readonly string[];
  className?: string;
  /** The rows (`<tr>`). */
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={className} {...("labelledBy" in label ? { "aria-labelledby": label.labelledBy } : { "aria-label": label.name })}>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th scope="col" key={index}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
