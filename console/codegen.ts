// Types every operation in src/ from the API's own schema.graphql (the repository's, regenerated
// by `commerce export-schema`): a field the API drops or renames fails `npm run build`.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", Decimal: "string", ID: "string" },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
