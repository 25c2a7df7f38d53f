/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A list of values as code, one per line, on the console's detail pages. */

/**
 * Values as code, one per line (URIs are long), or a muted word when there are none.
 * @example <CodeList items={app.redirectUris} none="none" />
 */
export function CodeList(props: { items: readonly string[]; none: string }) {
  if (props.items.length === 0) return <span class="muted">{props.none}</span>;
  return (
    <>
      {props.items.map((x, i) => (
        <>
          {i > 0 ? <br /> : null}
          <code class="id">{x}</code>
        </>
      ))}
    </>
  );
}
