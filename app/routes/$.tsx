import { notFound } from '~/utils/http.server'

// Any unmatched URL: a real 404 rendered by the root boundary.
export function loader() {
  throw notFound()
}

export default function NotFound() {
  return null
}
