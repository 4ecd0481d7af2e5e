// react-dom ships this entry (package.json exports) but @types/react-dom types it only
// as 'react-dom/server'; the signatures are the same.
declare module 'react-dom/server.browser' {
  export { renderToReadableStream } from 'react-dom/server'
}
