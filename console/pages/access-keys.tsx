export function AccessKeys() {
  return <p>Access keys</p>
}
