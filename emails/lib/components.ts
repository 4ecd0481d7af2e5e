// The react-email components the emails use, each from its own package: the
// @react-email/components barrel also loads code-block's Prism and the Tailwind
// compiler, ~25 MB in every server process for components no email uses.
export { Body } from '@react-email/body'
export { Button } from '@react-email/button'
export { Container } from '@react-email/container'
export { Head } from '@react-email/head'
export { Heading } from '@react-email/heading'
export { Hr } from '@react-email/hr'
export { Html } from '@react-email/html'
export { Link } from '@react-email/link'
export { Preview } from '@react-email/preview'
export { Section } from '@react-email/section'
export { Text } from '@react-email/text'
