import "mantine-datatable/styles.css";
import type { Product } from "@licensing/contracts";
import { Can, formatDateTime, PageHeader, QueryError } from "@licensing/ui/kit";
import { Anchor, Button, Stack, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { Link, useNavigate } from "react-router";
import { useProducts } from "./api.ts";

const names = (list: { code: string; name: string }[]) =>
  list.length ? list.map((item) => item.name).join(", ") : "—";

export function ProductsPage() {
  const navigate = useNavigate();
  const products = useProducts();
  return (
    <Stack>
      <PageHeader
        title="Products"
        description="What can be licensed: each product's execution modes, custom features, units types and the defaults of a new license."
        actions={
          <Can action="product.write">
            <Button component={Link} to="/settings/products/new" leftSection={<IconPlus size={16} />}>
              New product
            </Button>
          </Can>
        }
      />
      {products.error ? (
        <QueryError error={products.error} retry={() => void products.refetch()} />
      ) : (
        <DataTable<Product>
          withTableBorder
          highlightOnHover
          minHeight={160}
          idAccessor="code"
          fetching={products.isPending}
          records={products.data ?? []}
          noRecordsText="No products yet"
          onRowClick={({ record }) => navigate(`/settings/products/${record.code}`)}
          columns={[
            {
              accessor: "code",
              title: "Code",
              render: (product) => (
                <Anchor
                  component={Link}
                  to={`/settings/products/${product.code}`}
                  ff="monospace"
                  size="sm"
                  onClick={(event) => event.stopPropagation()}
                >
                  {product.code}
                </Anchor>
              ),
            },
            { accessor: "name", title: "Name" },
            { accessor: "executionModes", title: "Execution modes", render: (p) => names(p.executionModes) },
            {
              accessor: "customFeatures",
              title: "Custom features",
              render: (p) => (
                <Text size="sm" lineClamp={1} maw={280}>
                  {names(p.customFeatures)}
                </Text>
              ),
            },
            { accessor: "defaultNotifyDays", title: "Notice (days)", textAlign: "right" },
            { accessor: "updatedAt", title: "Updated", render: (p) => formatDateTime(p.updatedAt) },
          ]}
        />
      )}
    </Stack>
  );
}
