import { createContext, useContext, type ReactNode } from 'react'

// The CSP nonce made per request by the server, handed to Remix's own <Scripts>.
const NonceContext = createContext<string>('')

export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>
}

export const useNonce = () => useContext(NonceContext)
