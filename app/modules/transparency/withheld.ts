// The placeholder that stands, on every public surface, for the pseudonymous code of a
// student whose guardian's consent does not (or no longer) allow a public story
// (public/open-data.md, "Withheld codes"). Isomorphic: pages compare against it.
export const WITHHELD_CODE = 'withheld'
