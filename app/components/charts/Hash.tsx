/** A hash, shortened for tables with the whole value kept for copying and assistive tech. */
export function ShortHash({ hash }: { hash: string }) {
  return (
    <code className="hash" title={hash}>
      {hash.slice(0, 12)}…
    </code>
  )
}
