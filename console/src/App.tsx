export function App() {
  return <main><h1>Commerce console</h1></main>;
}
