import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { count, label, money } from "../format";
import { graphql } from "../gql";
import type { ConsoleProductsQuery, ProductStatus } from "../gql/graphql";
import { may } from "../permissions";
import type { Role } from "../session";

const Products = graphql(`
  query ConsoleProducts($first: Int!, $after: String, $search: String, $status: [ProductStatus!]) {
    products(first: $first, after: $after, filter: { search: $search, status: $status }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id name slug description status isAvailable price { amount currency } category { name }
          seo { title description }
          media { url alt }
          channelListings { channel { slug name } isPublished availableForPurchaseAt }
          variants {
            id sku name price { amount currency } quantityAvailable isArchived weightGrams
            options { name value }
          }
        }
      }
    }
  }
`);

const VariantUpdate = graphql(`
  mutation ConsoleVariantUpdate($input: ProductVariantUpdateInput!) {
    productVariantUpdate(input: $input) { variant { id price { amount currency } isArchived } userErrors { code message field } }
  }
`);

const VariantCreate = graphql(`
  mutation ConsoleVariantCreate($input: ProductVariantCreateInput!) {
    productVariantCreate(input: $input) { variant { id } userErrors { code message field } }
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
    productUpdate(input: $input) { product { id name description status } userErrors { code message field } }
  }
`);

const STATUSES: ProductStatus[] = ["DRAFT", "ACTIVE", "ARCHIVED"];

type ProductView = ConsoleProductsQuery["products"]["edges"][number]["node"];

export function Catalog({ roles }: { roles: Role[] }) {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [status, setStatus] = useState<ProductStatus | "">("");
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: Products, variables: { first: 20, after: pager.after, search: applied || null, status: status ? [status] : null },
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
        <div className="field">
          <label htmlFor="catalog-status">Status</label>
          <select id="catalog-status" value={status} onChange={(e) => { setStatus(e.target.value as ProductStatus | ""); pager.reset(); }}>
            <option value="">Any</option>
            {STATUSES.map((st) => <option key={st} value={st}>{label(st)}</option>)}
          </select>
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
      <h2>{p.name} <span className={`status status-${p.status.toLowerCase()}`}>{label(p.status)}</span></h2>
      <p className="muted">{p.category?.name ?? "No category"} · /{p.slug} · from {money(p.price)}
        {p.isAvailable ? "" : " · out of stock"} · on {p.channelListings.filter((l) => l.isPublished)
          .map((l) => l.channel.name).join(", ") || "no channel"}</p>
      {p.media.length > 0 && <p className="muted">{p.media.length} media: {p.media.map((m) => m.alt || m.url).join(", ")}</p>}
      {p.description && <p>{p.description}</p>}
      {may(roles, "manageCatalog") && (
        editing ? <ProductEditor product={p} onDone={() => { setEditing(false); onChanged(); }} />
                : <button type="button" onClick={() => setEditing(true)}>Edit {p.name}</button>
      )}
      <table aria-label={`Variants of ${p.name}`}>
        <thead>
          <tr><th scope="col">SKU</th><th scope="col">Variant</th><th scope="col">Options</th><th scope="col">Price</th>
              <th scope="col">Available</th>{may(roles, "manageCatalog") && <th scope="col">Edit</th>}
              {may(roles, "setStock") && <th scope="col">Set stock</th>}</tr>
        </thead>
        <tbody>
          {p.variants.map((v) => (
            <tr key={v.id}>
              <td>{v.sku}{v.isArchived ? " (archived)" : ""}</td><td>{v.name}</td>
              <td>{v.options.map((o) => `${o.name}: ${o.value}`).join(", ")}</td>
              <td className="num">{money(v.price)}</td>
              <td className="num">{count(v.quantityAvailable)}</td>
              {may(roles, "manageCatalog") && <td><VariantEditor variant={v} onDone={onChanged} /></td>}
              {may(roles, "setStock") && <td><StockForm variant={v} warehouses={warehouses} onDone={onChanged} /></td>}
            </tr>
          ))}
        </tbody>
      </table>
      {may(roles, "manageCatalog") && <NewVariant productId={p.id} productName={p.name} onDone={onChanged} />}
    </article>
  );
}

function ProductEditor({ product, onDone }: { product: ProductView; onDone: () => void }) {
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description ?? "");
  const [status, setStatus] = useState<ProductStatus>(product.status);
  const [seoTitle, setSeoTitle] = useState(product.seo.title ?? "");
  const [media, setMedia] = useState(product.media.map((m) => `${m.url} ${m.alt ?? ""}`.trim()).join("\n"));
  const [published, setPublished] = useState<Record<string, boolean>>(
    Object.fromEntries(product.channelListings.map((l) => [l.channel.slug, l.isPublished])));
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, update] = useMutation(ProductUpdate);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const mediaList = media.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const [url, ...alt] = line.split(/\s+/);
      return { url: url ?? "", alt: alt.join(" ") || null };
    });
    const result = await update({ input: {
      productId: product.id, name, description, status: status === product.status ? null : status,
      seo: { title: seoTitle || null, description: product.seo.description ?? null }, media: mediaList,
      channelListings: product.channelListings.map((l) => ({ channel: l.channel.slug, isPublished: published[l.channel.slug] ?? true,
                                                             availableForPurchaseAt: l.availableForPurchaseAt ?? null })),
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
      <Field label="Status" name="status" errors={errors}>
        {(props) => (
          <select {...props} value={status} onChange={(e) => setStatus(e.target.value as ProductStatus)}>
            {STATUSES.map((st) => <option key={st} value={st}>{label(st)}</option>)}
          </select>
        )}
      </Field>
      <Field label="SEO title" name="seo.title" errors={errors}>
        {(props) => <input {...props} value={seoTitle} onChange={(e) => setSeoTitle(e.target.value)} />}
      </Field>
      <Field label="Media (one per line: URL, then alt text)" name="media" errors={errors}>
        {(props) => <textarea {...props} value={media} onChange={(e) => setMedia(e.target.value)} />}
      </Field>
      <fieldset>
        <legend>Published on</legend>
        {product.channelListings.map((l) => (
          <div className="field checkbox" key={l.channel.slug}>
            <input id={`${product.id}-${l.channel.slug}`} type="checkbox" checked={published[l.channel.slug] ?? true}
                   onChange={(e) => setPublished({ ...published, [l.channel.slug]: e.target.checked })} />
            <label htmlFor={`${product.id}-${l.channel.slug}`}>{l.channel.name}</label>
          </div>
        ))}
      </fieldset>
      <button type="submit" disabled={state.fetching}>Save</button>
      <FormErrors errors={errors} fields={["name", "description", "status", "seo.title", "media"]} />
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

function VariantEditor({ variant, onDone }: {
  variant: { id: string; sku: string; price: { amount: string }; isArchived: boolean }; onDone: () => void;
}) {
  const [price, setPrice] = useState(variant.price.amount);
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, update] = useMutation(VariantUpdate);

  async function save(input: { price?: string; isArchived?: boolean }) {
    const result = await update({ input: { variantId: variant.id, ...input, idempotencyKey: newIdempotencyKey() } });
    if (settle(result.data?.productVariantUpdate, setErrors)) onDone();
  }

  return (
    <div className="inline-form compact">
      <form onSubmit={(e) => { e.preventDefault(); void save({ price }); }} aria-label={`Change the price of ${variant.sku}`}
            className="inline-form compact">
        <Field label={`Price of ${variant.sku}`} name="price" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />}
        </Field>
        <button type="submit" disabled={state.fetching}>Save price</button>
      </form>
      <button type="button" disabled={state.fetching} onClick={() => void save({ isArchived: !variant.isArchived })}>
        {variant.isArchived ? `Restore ${variant.sku}` : `Archive ${variant.sku}`}
      </button>
      <FormErrors errors={errors} fields={["price"]} />
    </div>
  );
}

/** "Size: M, Colour: Blue" -> [{name: "Size", value: "M"}, ...] */
function parseOptions(text: string): { name: string; value: string }[] {
  return text.split(",").map((part) => part.split(":")).filter((pair) => pair.length === 2)
    .map(([name, value]) => ({ name: (name ?? "").trim(), value: (value ?? "").trim() }));
}

function NewVariant({ productId, productName, onDone }: { productId: string; productName: string; onDone: () => void }) {
  const [sku, setSku] = useState("");
  const [name, setName] = useState("");
  const [price, setPrice] = useState("");
  const [options, setOptions] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, create] = useMutation(VariantCreate);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { productId, sku, name, price: price || "0", options: parseOptions(options),
                                           idempotencyKey: newIdempotencyKey() } });
    if (settle(result.data?.productVariantCreate, setErrors)) {
      setSku(""); setName(""); setPrice(""); setOptions("");
      onDone();
    }
  }

  return (
    <details>
      <summary>Add a variant to {productName}</summary>
      <form onSubmit={submit} aria-label={`New variant of ${productName}`} className="inline-form">
        <Field label="SKU" name="sku" errors={errors}>
          {(props) => <input {...props} required value={sku} onChange={(e) => setSku(e.target.value)} />}
        </Field>
        <Field label="Variant name" name="name" errors={errors}>
          {(props) => <input {...props} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Price" name="price" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" required value={price} onChange={(e) => setPrice(e.target.value)} />}
        </Field>
        <Field label="Options (e.g. Size: M, Colour: Blue)" name="options" errors={errors}>
          {(props) => <input {...props} value={options} onChange={(e) => setOptions(e.target.value)} />}
        </Field>
        <button type="submit" disabled={state.fetching}>Add variant</button>
        <FormErrors errors={errors} fields={["sku", "name", "price", "options"]} />
      </form>
    </details>
  );
}
