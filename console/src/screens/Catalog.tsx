import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { count, money } from "../format";
import { graphql } from "../gql";
import type { ConsoleProductsQuery } from "../gql/graphql";
import { may } from "../permissions";
import type { Role } from "../session";

const Products = graphql(`
  query ConsoleProducts($first: Int!, $after: String, $search: String) {
    products(first: $first, after: $after, filter: { search: $search }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id name slug description isAvailable price { amount currency } category { name }
          variants { id sku name price { amount currency } quantityAvailable }
        }
      }
    }
  }
`);

const Warehouses = graphql(`
  query ConsoleWarehouses { warehouses { id name code } }
`);

const StockSet = graphql(`
  mutation ConsoleStockSet($input: StockSetInput!) {
    stockSet(input: $input) { variant { id quantityAvailable } userErrors { code message field } }
  }
`);

const ProductUpdate = graphql(`
  mutation ConsoleProductUpdate($input: ProductUpdateInput!) {
    productUpdate(input: $input) { product { id name description } userErrors { code message field } }
  }
`);

type ProductView = ConsoleProductsQuery["products"]["edges"][number]["node"];

export function Catalog({ roles }: { roles: Role[] }) {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: Products, variables: { first: 20, after: pager.after, search: applied || null },
  });
  const [warehouses] = useQuery({ query: Warehouses, pause: !may(roles, "setStock") });
  const reload = () => refetch({ requestPolicy: "network-only" });
  return (
    <>
      <h1>Catalog</h1>
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); setApplied(search); pager.reset(); }}>
        <div className="field">
          <label htmlFor="catalog-search">Search products</label>
          <input id="catalog-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button type="submit">Search</button>
      </form>
      <QueryError error={error} />
      {fetching && !data && <Loading what="products" />}
      {data && (
        <>
          {data.products.edges.map(({ node }) => (
            <ProductCard key={node.id} product={node} roles={roles} warehouses={warehouses.data?.warehouses ?? []}
                         onChanged={reload} />
          ))}
          {data.products.edges.length === 0 && <p>No products match.</p>}
          <Pager pager={pager} pageInfo={data.products.pageInfo} total={data.products.totalCount} />
        </>
      )}
    </>
  );
}

function ProductCard({ product: p, roles, warehouses, onChanged }: {
  product: ProductView; roles: Role[]; warehouses: readonly { id: string; name: string }[]; onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  return (
    <article className="card" aria-label={p.name}>
      <h2>{p.name}</h2>
      <p className="muted">{p.category?.name ?? "No category"} · /{p.slug} · from {money(p.price)}
        {p.isAvailable ? "" : " · out of stock"}</p>
      {p.description && <p>{p.description}</p>}
      {may(roles, "manageCatalog") && (
        editing ? <ProductEditor product={p} onDone={() => { setEditing(false); onChanged(); }} />
                : <button type="button" onClick={() => setEditing(true)}>Edit {p.name}</button>
      )}
      <table aria-label={`Variants of ${p.name}`}>
        <thead>
          <tr><th scope="col">SKU</th><th scope="col">Variant</th><th scope="col">Price</th>
              <th scope="col">Available</th>{may(roles, "setStock") && <th scope="col">Set stock</th>}</tr>
        </thead>
        <tbody>
          {p.variants.map((v) => (
            <tr key={v.id}>
              <td>{v.sku}</td><td>{v.name}</td><td className="num">{money(v.price)}</td>
              <td className="num">{count(v.quantityAvailable)}</td>
              {may(roles, "setStock") && <td><StockForm variant={v} warehouses={warehouses} onDone={onChanged} /></td>}
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function ProductEditor({ product, onDone }: { product: ProductView; onDone: () => void }) {
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description ?? "");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, update] = useMutation(ProductUpdate);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await update({ input: { productId: product.id, name, description,
                                           idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.productUpdate;
    if (settle(payload, setErrors)) onDone();
  }

  return (
    <form onSubmit={submit} aria-label={`Edit ${product.name}`} className="inline-form">
      <Field label="Name" name="name" errors={errors}>
        {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Description" name="description" errors={errors}>
        {(props) => <textarea {...props} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <button type="submit" disabled={state.fetching}>Save</button>
      <FormErrors errors={errors} fields={["name", "description"]} />
    </form>
  );
}

function StockForm({ variant, warehouses, onDone }: {
  variant: { id: string; sku: string }; warehouses: readonly { id: string; name: string }[]; onDone: () => void;
}) {
  const [warehouseId, setWarehouseId] = useState("");
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, setStock] = useMutation(StockSet);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await setStock({ input: { variantId: variant.id, warehouseId: warehouseId || (warehouses[0]?.id ?? ""),
                                             quantity: Number(quantity), reason, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.stockSet;
    if (settle(payload, setErrors)) {
      setQuantity("");
      setReason("");
      onDone();
    }
  }

  return (
    <details>
    <summary>Set stock of {variant.sku}</summary>
    <form onSubmit={submit} aria-label={`Set stock of ${variant.sku}`} className="inline-form compact">
      <Field label="Warehouse" name="warehouseId" errors={errors}>
        {(props) => (
          <select {...props} value={warehouseId} onChange={(e) => setWarehouseId(e.target.value)}>
            {warehouses.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
          </select>
        )}
      </Field>
      <Field label="Quantity on hand" name="quantity" errors={errors}>
        {(props) => <input {...props} type="number" min={0} required value={quantity} onChange={(e) => setQuantity(e.target.value)} />}
      </Field>
      <Field label="Reason" name="reason" errors={errors}>
        {(props) => <input {...props} required value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <button type="submit" disabled={state.fetching}>Set stock</button>
      <FormErrors errors={errors} fields={["warehouseId", "quantity", "reason"]} />
    </form>
    </details>
  );
}
