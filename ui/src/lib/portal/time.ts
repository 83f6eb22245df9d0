/** A moment from the core (RFC 3339, UTC) in the user's local time, as `dd.MM.yyyy HH:mm`:
 * the same in both languages, so «от 26.11.2026 18:40» reads the same everywhere. */
export function formatStamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
