import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { graphql } from "../gql";
import type { ConsoleCollectionsQuery } from "../gql/graphql";

const CollectionList = graphql(`
  query ConsoleCollections($first: Int!, $after: String) {
    collections(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id name slug isPublished
          products(first: 100) { totalCount edges { node { id name } } }
        }
      }
    }
  }
`);

const ProductSearch = graphql(`
  query ConsoleCollectionProductSearch($search: String!) {
    products(first: 10, filter: { search: $search }) { edges { node { id name } } }
  }
`);

const Create = graphql(`
  mutation ConsoleCollectionCreate($input: CollectionCreateInput!) {
    collectionCreate(input: $input) { collection { id } userErrors { code message field } }
  }
`);

const Update = graphql(`
  mutation ConsoleCollectionUpdate($input: CollectionUpdateInput!) {
    collectionUpdate(input: $input) { collection { id isPublished } userErrors { code message field } }
  }
`);

const SetProducts = graphql(`
  mutation ConsoleCollectionProductsSet($input: CollectionProductsSetInput!) {
    collectionProductsSet(input: $input) { collection { id } userErrors { code message field } }
  }
`);

type CollectionView = ConsoleCollectionsQuery["collections"]["edges"][number]["node"];

/** Curated, ordered product lists: create, publish, add, reorder and remove products. */
export function Collections() {
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({ query: CollectionList, variables: { first: 20, after: pager.after } });
  const reload = () => refetch({ requestPolicy: "network-only" });
  return (
    <>
      <h1>Collections</h1>
      <NewCollection onCreated={reload} />
      <QueryError error={error} />
      {fetching && !data && <Loading what="collections" />}
      {data && (
        <>
          {data.collections.edges.map(({ node }) => <CollectionCard key={node.id} collection={node} onChanged={reload} />)}
          {data.collections.edges.length === 0 && <p>No collections yet.</p>}
          <Pager pager={pager} pageInfo={data.collections.pageInfo} total={data.collections.totalCount} />
        </>
      )}
    </>
  );
}

function NewCollection({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, create] = useMutation(Create);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { name, idempotencyKey: newIdempotencyKey() } });
    if (settle(result.data?.collectionCreate, setErrors)) {
      setName("");
      onCreated();
    }
  }
  return (
    <form onSubmit={submit} aria-label="New collection" className="inline-form">
      <Field label="Collection name" name="name" errors={errors}>
        {(props) => <input {...props} required value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <button type="submit" disabled={state.fetching}>Create collection</button>
      <FormErrors errors={errors} fields={["name"]} />
    </form>
  );
}

function CollectionCard({ collection: c, onChanged }: { collection: CollectionView; onChanged: () => void }) {
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [search, setSearch] = useState("");
  const [found] = useQuery({ query: ProductSearch, variables: { search }, pause: search.trim().length < 2 });
  const [updateState, update] = useMutation(Update);
  const [setState, setProducts] = useMutation(SetProducts);
  const products = c.products.edges.map((e) => e.node);

  async function save(ids: string[]) {
    const result = await setProducts({ input: { collectionId: c.id, productIds: ids, idempotencyKey: newIdempotencyKey() } });
    if (settle(result.data?.collectionProductsSet, setErrors)) onChanged();
  }

  function move(index: number, by: number) {
    const ids = products.map((p) => p.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + by, 0, moved!);
    void save(ids);
  }

  async function publish() {
    const result = await update({ input: { collectionId: c.id, isPublished: !c.isPublished,
                                           idempotencyKey: newIdempotencyKey() } });
    if (settle(result.data?.collectionUpdate, setErrors)) onChanged();
  }

  const busy = updateState.fetching || setState.fetching;
  return (
    <article className="card" aria-label={c.name}>
      <h2>{c.name} <span className={`status ${c.isPublished ? "status-approved" : ""}`}>{c.isPublished ? "Published" : "Not published"}</span></h2>
      <p className="muted">/{c.slug} · {c.products.totalCount} products</p>
      <button type="button" disabled={busy} onClick={publish}>{c.isPublished ? `Unpublish ${c.name}` : `Publish ${c.name}`}</button>
      <ol aria-label={`Products of ${c.name}`}>
        {products.map((p, i) => (
          <li key={p.id}>
            {p.name}{" "}
            <button type="button" disabled={busy || i === 0} onClick={() => move(i, -1)}>Move {p.name} up</button>{" "}
            <button type="button" disabled={busy || i === products.length - 1} onClick={() => move(i, 1)}>Move {p.name} down</button>{" "}
            <button type="button" disabled={busy} onClick={() => save(products.filter((q) => q.id !== p.id).map((q) => q.id))}>
              Remove {p.name}
            </button>
          </li>
        ))}
      </ol>
      <div className="field">
        <label htmlFor={`${c.id}-search`}>Find a product to add to {c.name}</label>
        <input id={`${c.id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <ul>
        {found.data?.products.edges.filter(({ node }) => !products.some((p) => p.id === node.id)).map(({ node }) => (
          <li key={node.id}>
            <button type="button" disabled={busy} onClick={() => save([...products.map((p) => p.id), node.id])}>
              Add {node.name}
            </button>
          </li>
        ))}
      </ul>
      <FormErrors errors={errors} fields={[]} />
    </article>
  );
}
