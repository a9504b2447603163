// Numbers and dates as the API gives them, formatted for the user's locale (the browser's).

export function money(value: { amount: string; currency: string } | null | undefined): string {
  if (!value) return "";
  return new Intl.NumberFormat(undefined, { style: "currency", currency: value.currency }).format(
    Number(value.amount),
  );
}

export function count(value: number): string {
  return new Intl.NumberFormat().format(value);
}

export function percent(rate: number): string {
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function day(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date(iso));
}

/** ORDER_FULFILLMENT_OVERDUE -> "Order fulfillment overdue" */
export function label(value: string): string {
  const text = value.toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
