/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation ConsoleTokenRevoke($input: TokenRevokeInput!) {\n    tokenRevoke(input: $input) { userErrors { code message } }\n  }\n": typeof types.ConsoleTokenRevokeDocument,
    "\n  mutation ConsoleTokenRefresh($input: TokenRefreshInput!) {\n    tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message field } }\n  }\n": typeof types.ConsoleTokenRefreshDocument,
    "\n  query ConsoleApprovals($status: ApprovalStatus) {\n    approvalRequests(status: $status) {\n      id action subjectId status reason requestedBy decidedBy evidence createdAt decidedAt consumedAt\n    }\n  }\n": typeof types.ConsoleApprovalsDocument,
    "\n  mutation ConsoleApprovalDecide($input: ApprovalRequestDecideInput!) {\n    approvalRequestDecide(input: $input) { approvalRequest { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleApprovalDecideDocument,
    "\n  query ConsoleCampaigns($first: Int!, $after: String) {\n    campaigns(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name status discountType discountValue startsAt endsAt code usageLimit timesUsed\n          minSubtotal { amount currency } channels { slug }\n        }\n      }\n    }\n  }\n": typeof types.ConsoleCampaignsDocument,
    "\n  mutation ConsoleCampaignStatus($input: CampaignStatusUpdateInput!) {\n    campaignStatusUpdate(input: $input) { campaign { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleCampaignStatusDocument,
    "\n  mutation ConsoleCampaignCreate($input: CampaignCreateInput!) {\n    campaignCreate(input: $input) { campaign { id } userErrors { code message field } }\n  }\n": typeof types.ConsoleCampaignCreateDocument,
    "\n  query ConsoleProducts($first: Int!, $after: String, $search: String, $status: [ProductStatus!]) {\n    products(first: $first, after: $after, filter: { search: $search, status: $status }) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug description status isAvailable price { amount currency } category { name }\n          seo { title description }\n          media { url alt }\n          channelListings { channel { slug name } isPublished availableForPurchaseAt }\n          variants {\n            id sku name price { amount currency } quantityAvailable isArchived weightGrams\n            options { name value }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ConsoleProductsDocument,
    "\n  mutation ConsoleVariantUpdate($input: ProductVariantUpdateInput!) {\n    productVariantUpdate(input: $input) { variant { id price { amount currency } isArchived } userErrors { code message field } }\n  }\n": typeof types.ConsoleVariantUpdateDocument,
    "\n  mutation ConsoleVariantCreate($input: ProductVariantCreateInput!) {\n    productVariantCreate(input: $input) { variant { id } userErrors { code message field } }\n  }\n": typeof types.ConsoleVariantCreateDocument,
    "\n  query ConsoleWarehouses { warehouses { id name code } }\n": typeof types.ConsoleWarehousesDocument,
    "\n  mutation ConsoleStockSet($input: StockSetInput!) {\n    stockSet(input: $input) { variant { id quantityAvailable } userErrors { code message field } }\n  }\n": typeof types.ConsoleStockSetDocument,
    "\n  mutation ConsoleProductUpdate($input: ProductUpdateInput!) {\n    productUpdate(input: $input) { product { id name description status } userErrors { code message field } }\n  }\n": typeof types.ConsoleProductUpdateDocument,
    "\n  query ConsoleCollections($first: Int!, $after: String) {\n    collections(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug isPublished\n          products(first: 100) { totalCount edges { node { id name } } }\n        }\n      }\n    }\n  }\n": typeof types.ConsoleCollectionsDocument,
    "\n  query ConsoleCollectionProductSearch($search: String!) {\n    products(first: 10, filter: { search: $search }) { edges { node { id name } } }\n  }\n": typeof types.ConsoleCollectionProductSearchDocument,
    "\n  mutation ConsoleCollectionCreate($input: CollectionCreateInput!) {\n    collectionCreate(input: $input) { collection { id } userErrors { code message field } }\n  }\n": typeof types.ConsoleCollectionCreateDocument,
    "\n  mutation ConsoleCollectionUpdate($input: CollectionUpdateInput!) {\n    collectionUpdate(input: $input) { collection { id isPublished } userErrors { code message field } }\n  }\n": typeof types.ConsoleCollectionUpdateDocument,
    "\n  mutation ConsoleCollectionProductsSet($input: CollectionProductsSetInput!) {\n    collectionProductsSet(input: $input) { collection { id } userErrors { code message field } }\n  }\n": typeof types.ConsoleCollectionProductsSetDocument,
    "\n  query ConsoleExceptions($status: ExceptionStatus, $first: Int!, $after: String) {\n    operationalExceptions(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }\n    }\n  }\n": typeof types.ConsoleExceptionsDocument,
    "\n  subscription ConsoleExceptionFeed { operationalExceptionChanged { id status } }\n": typeof types.ConsoleExceptionFeedDocument,
    "\n  mutation ConsoleExceptionResolve($input: OperationalExceptionResolveInput!) {\n    operationalExceptionResolve(input: $input) { exception { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleExceptionResolveDocument,
    "\n  fragment ConsoleOrderRow on EcommerceOrder {\n    id number status paymentStatus email createdAt total { amount currency } channel { slug name }\n  }\n": typeof types.ConsoleOrderRowFragmentDoc,
    "\n  query ConsoleOrders($first: Int!, $after: String) {\n    orders(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...ConsoleOrderRow } }\n    }\n  }\n": typeof types.ConsoleOrdersDocument,
    "\n  subscription ConsoleOrderFeed {\n    orderUpdated { toStatus occurredAt order { ...ConsoleOrderRow } }\n  }\n": typeof types.ConsoleOrderFeedDocument,
    "\n  query ConsoleOrder($id: ID!, $withAudit: Boolean!) {\n    order(id: $id) {\n      id number status paymentStatus email createdAt availableTransitions deliveryMethodName\n      subtotal { amount currency } discount { amount currency } shipping { amount currency }\n      shippingDiscount { amount currency } shippingRefunded { amount currency } total { amount currency }\n      shippingAddress { name line1 line2 city postalCode country phone }\n      channel { name } campaign { name }\n      lines {\n        id productName sku quantity quantityFulfilled quantityReturned\n        unitPrice { amount currency } discount { amount currency } paidTotal { amount currency }\n      }\n      fulfillments {\n        id status carrier trackingNumber updatedAt availableTransitions warehouse { name }\n        lines { quantity orderLine { id sku } }\n      }\n      returnRequests {\n        id status reason note createdAt refundAmount { amount currency }\n        lines { quantity orderLine { sku } }\n      }\n    }\n    auditEvents(first: 100, subjectId: $id) @include(if: $withAudit) {\n      edges { node { id sequence occurredAt actor action fromStatus toStatus } }\n    }\n  }\n": typeof types.ConsoleOrderDocument,
    "\n  subscription ConsoleOrderChanged($orderId: ID!) { orderUpdated(orderId: $orderId) { toStatus occurredAt } }\n": typeof types.ConsoleOrderChangedDocument,
    "\n  subscription ConsoleFulfillmentChanged($orderId: ID!) {\n    fulfillmentUpdated(orderId: $orderId) { toStatus occurredAt }\n  }\n": typeof types.ConsoleFulfillmentChangedDocument,
    "\n  mutation ConsoleOrderCancel($input: OrderCancelInput!) {\n    orderCancel(input: $input) { order { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleOrderCancelDocument,
    "\n  mutation ConsoleFulfillmentCreate($input: FulfillmentCreateInput!) {\n    fulfillmentCreate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleFulfillmentCreateDocument,
    "\n  mutation ConsoleFulfillmentUpdate($input: FulfillmentUpdateInput!) {\n    fulfillmentUpdate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleFulfillmentUpdateDocument,
    "\n  mutation ConsoleReturnApprove($input: ReturnRequestDecisionInput!) {\n    returnRequestApprove(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleReturnApproveDocument,
    "\n  mutation ConsoleReturnReject($input: ReturnRequestDecisionInput!) {\n    returnRequestReject(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleReturnRejectDocument,
    "\n  mutation ConsoleReturnReceive($input: ReturnRequestDecisionInput!) {\n    returnRequestReceive(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleReturnReceiveDocument,
    "\n  mutation ConsoleReturnRefund($input: ReturnRequestDecisionInput!) {\n    returnRequestRefund(input: $input) { returnRequest { id status refundAmount { amount currency } } userErrors { code message field } }\n  }\n": typeof types.ConsoleReturnRefundDocument,
    "\n  query ConsoleSalesOverview($from: DateTime!, $to: DateTime!, $daily: [ReportDimension!]) {\n    byChannel: salesReport(from: $from, to: $to, groupBy: [CHANNEL]) {\n      asOf\n      rows { ...KpiFigures channel { slug name } }\n      total { ...KpiFigures }\n    }\n    daily: salesReport(from: $from, to: $to, groupBy: $daily, interval: DAY) {\n      rows { periodStart orders revenue { amount currency } channel { slug } }\n    }\n    matrix: salesReport(from: $from, to: $to, groupBy: [CHANNEL, CAMPAIGN]) {\n      rows { ...KpiFigures channel { slug name } campaign { id name } }\n    }\n    channels { slug name }\n  }\n  fragment KpiFigures on KpiRow {\n    revenue { amount currency } orders averageOrderValue { amount currency }\n    conversionRate cartAbandonmentRate returnRate\n  }\n": typeof types.ConsoleSalesOverviewDocument,
    "\n  query ConsoleSystemHealth {\n    systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed openExceptions }\n  }\n": typeof types.ConsoleSystemHealthDocument,
    "\n  query ConsoleReturns($status: ReturnStatus, $first: Int!, $after: String) {\n    returnRequests(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id status reason note createdAt refundAmount { amount currency }\n          order { id number }\n          lines { quantity orderLine { sku } }\n        }\n      }\n    }\n  }\n": typeof types.ConsoleReturnsDocument,
    "\n  mutation ConsoleTokenCreate($input: TokenCreateInput!) {\n    tokenCreate(input: $input) { accessToken refreshToken userErrors { code message field retryAfter } }\n  }\n": typeof types.ConsoleTokenCreateDocument,
    "\n  query ConsoleMe { me { email roles } }\n": typeof types.ConsoleMeDocument,
    "\n  query ConsoleWebhookEndpoints { webhookEndpoints { id url eventTypes description isActive createdAt } }\n": typeof types.ConsoleWebhookEndpointsDocument,
    "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus, $first: Int!, $after: String) {\n    webhookDeliveries(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id eventId topic status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }\n    }\n  }\n": typeof types.ConsoleWebhookDeliveriesDocument,
    "\n  mutation ConsoleWebhookEndpointCreate($input: WebhookEndpointCreateInput!) {\n    webhookEndpointCreate(input: $input) { endpoint { id } secret userErrors { code message field } }\n  }\n": typeof types.ConsoleWebhookEndpointCreateDocument,
    "\n  mutation ConsoleWebhookEndpointDeactivate($input: WebhookEndpointDeactivateInput!) {\n    webhookEndpointDeactivate(input: $input) { endpoint { id isActive } userErrors { code message field } }\n  }\n": typeof types.ConsoleWebhookEndpointDeactivateDocument,
    "\n  mutation ConsoleWebhookDeliveryRetry($input: WebhookDeliveryRetryInput!) {\n    webhookDeliveryRetry(input: $input) { delivery { id status } userErrors { code message field } }\n  }\n": typeof types.ConsoleWebhookDeliveryRetryDocument,
};
const documents: Documents = {
    "\n  mutation ConsoleTokenRevoke($input: TokenRevokeInput!) {\n    tokenRevoke(input: $input) { userErrors { code message } }\n  }\n": types.ConsoleTokenRevokeDocument,
    "\n  mutation ConsoleTokenRefresh($input: TokenRefreshInput!) {\n    tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message field } }\n  }\n": types.ConsoleTokenRefreshDocument,
    "\n  query ConsoleApprovals($status: ApprovalStatus) {\n    approvalRequests(status: $status) {\n      id action subjectId status reason requestedBy decidedBy evidence createdAt decidedAt consumedAt\n    }\n  }\n": types.ConsoleApprovalsDocument,
    "\n  mutation ConsoleApprovalDecide($input: ApprovalRequestDecideInput!) {\n    approvalRequestDecide(input: $input) { approvalRequest { id status } userErrors { code message field } }\n  }\n": types.ConsoleApprovalDecideDocument,
    "\n  query ConsoleCampaigns($first: Int!, $after: String) {\n    campaigns(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name status discountType discountValue startsAt endsAt code usageLimit timesUsed\n          minSubtotal { amount currency } channels { slug }\n        }\n      }\n    }\n  }\n": types.ConsoleCampaignsDocument,
    "\n  mutation ConsoleCampaignStatus($input: CampaignStatusUpdateInput!) {\n    campaignStatusUpdate(input: $input) { campaign { id status } userErrors { code message field } }\n  }\n": types.ConsoleCampaignStatusDocument,
    "\n  mutation ConsoleCampaignCreate($input: CampaignCreateInput!) {\n    campaignCreate(input: $input) { campaign { id } userErrors { code message field } }\n  }\n": types.ConsoleCampaignCreateDocument,
    "\n  query ConsoleProducts($first: Int!, $after: String, $search: String, $status: [ProductStatus!]) {\n    products(first: $first, after: $after, filter: { search: $search, status: $status }) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug description status isAvailable price { amount currency } category { name }\n          seo { title description }\n          media { url alt }\n          channelListings { channel { slug name } isPublished availableForPurchaseAt }\n          variants {\n            id sku name price { amount currency } quantityAvailable isArchived weightGrams\n            options { name value }\n          }\n        }\n      }\n    }\n  }\n": types.ConsoleProductsDocument,
    "\n  mutation ConsoleVariantUpdate($input: ProductVariantUpdateInput!) {\n    productVariantUpdate(input: $input) { variant { id price { amount currency } isArchived } userErrors { code message field } }\n  }\n": types.ConsoleVariantUpdateDocument,
    "\n  mutation ConsoleVariantCreate($input: ProductVariantCreateInput!) {\n    productVariantCreate(input: $input) { variant { id } userErrors { code message field } }\n  }\n": types.ConsoleVariantCreateDocument,
    "\n  query ConsoleWarehouses { warehouses { id name code } }\n": types.ConsoleWarehousesDocument,
    "\n  mutation ConsoleStockSet($input: StockSetInput!) {\n    stockSet(input: $input) { variant { id quantityAvailable } userErrors { code message field } }\n  }\n": types.ConsoleStockSetDocument,
    "\n  mutation ConsoleProductUpdate($input: ProductUpdateInput!) {\n    productUpdate(input: $input) { product { id name description status } userErrors { code message field } }\n  }\n": types.ConsoleProductUpdateDocument,
    "\n  query ConsoleCollections($first: Int!, $after: String) {\n    collections(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug isPublished\n          products(first: 100) { totalCount edges { node { id name } } }\n        }\n      }\n    }\n  }\n": types.ConsoleCollectionsDocument,
    "\n  query ConsoleCollectionProductSearch($search: String!) {\n    products(first: 10, filter: { search: $search }) { edges { node { id name } } }\n  }\n": types.ConsoleCollectionProductSearchDocument,
    "\n  mutation ConsoleCollectionCreate($input: CollectionCreateInput!) {\n    collectionCreate(input: $input) { collection { id } userErrors { code message field } }\n  }\n": types.ConsoleCollectionCreateDocument,
    "\n  mutation ConsoleCollectionUpdate($input: CollectionUpdateInput!) {\n    collectionUpdate(input: $input) { collection { id isPublished } userErrors { code message field } }\n  }\n": types.ConsoleCollectionUpdateDocument,
    "\n  mutation ConsoleCollectionProductsSet($input: CollectionProductsSetInput!) {\n    collectionProductsSet(input: $input) { collection { id } userErrors { code message field } }\n  }\n": types.ConsoleCollectionProductsSetDocument,
    "\n  query ConsoleExceptions($status: ExceptionStatus, $first: Int!, $after: String) {\n    operationalExceptions(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }\n    }\n  }\n": types.ConsoleExceptionsDocument,
    "\n  subscription ConsoleExceptionFeed { operationalExceptionChanged { id status } }\n": types.ConsoleExceptionFeedDocument,
    "\n  mutation ConsoleExceptionResolve($input: OperationalExceptionResolveInput!) {\n    operationalExceptionResolve(input: $input) { exception { id status } userErrors { code message field } }\n  }\n": types.ConsoleExceptionResolveDocument,
    "\n  fragment ConsoleOrderRow on EcommerceOrder {\n    id number status paymentStatus email createdAt total { amount currency } channel { slug name }\n  }\n": types.ConsoleOrderRowFragmentDoc,
    "\n  query ConsoleOrders($first: Int!, $after: String) {\n    orders(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...ConsoleOrderRow } }\n    }\n  }\n": types.ConsoleOrdersDocument,
    "\n  subscription ConsoleOrderFeed {\n    orderUpdated { toStatus occurredAt order { ...ConsoleOrderRow } }\n  }\n": types.ConsoleOrderFeedDocument,
    "\n  query ConsoleOrder($id: ID!, $withAudit: Boolean!) {\n    order(id: $id) {\n      id number status paymentStatus email createdAt availableTransitions deliveryMethodName\n      subtotal { amount currency } discount { amount currency } shipping { amount currency }\n      shippingDiscount { amount currency } shippingRefunded { amount currency } total { amount currency }\n      shippingAddress { name line1 line2 city postalCode country phone }\n      channel { name } campaign { name }\n      lines {\n        id productName sku quantity quantityFulfilled quantityReturned\n        unitPrice { amount currency } discount { amount currency } paidTotal { amount currency }\n      }\n      fulfillments {\n        id status carrier trackingNumber updatedAt availableTransitions warehouse { name }\n        lines { quantity orderLine { id sku } }\n      }\n      returnRequests {\n        id status reason note createdAt refundAmount { amount currency }\n        lines { quantity orderLine { sku } }\n      }\n    }\n    auditEvents(first: 100, subjectId: $id) @include(if: $withAudit) {\n      edges { node { id sequence occurredAt actor action fromStatus toStatus } }\n    }\n  }\n": types.ConsoleOrderDocument,
    "\n  subscription ConsoleOrderChanged($orderId: ID!) { orderUpdated(orderId: $orderId) { toStatus occurredAt } }\n": types.ConsoleOrderChangedDocument,
    "\n  subscription ConsoleFulfillmentChanged($orderId: ID!) {\n    fulfillmentUpdated(orderId: $orderId) { toStatus occurredAt }\n  }\n": types.ConsoleFulfillmentChangedDocument,
    "\n  mutation ConsoleOrderCancel($input: OrderCancelInput!) {\n    orderCancel(input: $input) { order { id status } userErrors { code message field } }\n  }\n": types.ConsoleOrderCancelDocument,
    "\n  mutation ConsoleFulfillmentCreate($input: FulfillmentCreateInput!) {\n    fulfillmentCreate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n": types.ConsoleFulfillmentCreateDocument,
    "\n  mutation ConsoleFulfillmentUpdate($input: FulfillmentUpdateInput!) {\n    fulfillmentUpdate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n": types.ConsoleFulfillmentUpdateDocument,
    "\n  mutation ConsoleReturnApprove($input: ReturnRequestDecisionInput!) {\n    returnRequestApprove(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": types.ConsoleReturnApproveDocument,
    "\n  mutation ConsoleReturnReject($input: ReturnRequestDecisionInput!) {\n    returnRequestReject(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": types.ConsoleReturnRejectDocument,
    "\n  mutation ConsoleReturnReceive($input: ReturnRequestDecisionInput!) {\n    returnRequestReceive(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n": types.ConsoleReturnReceiveDocument,
    "\n  mutation ConsoleReturnRefund($input: ReturnRequestDecisionInput!) {\n    returnRequestRefund(input: $input) { returnRequest { id status refundAmount { amount currency } } userErrors { code message field } }\n  }\n": types.ConsoleReturnRefundDocument,
    "\n  query ConsoleSalesOverview($from: DateTime!, $to: DateTime!, $daily: [ReportDimension!]) {\n    byChannel: salesReport(from: $from, to: $to, groupBy: [CHANNEL]) {\n      asOf\n      rows { ...KpiFigures channel { slug name } }\n      total { ...KpiFigures }\n    }\n    daily: salesReport(from: $from, to: $to, groupBy: $daily, interval: DAY) {\n      rows { periodStart orders revenue { amount currency } channel { slug } }\n    }\n    matrix: salesReport(from: $from, to: $to, groupBy: [CHANNEL, CAMPAIGN]) {\n      rows { ...KpiFigures channel { slug name } campaign { id name } }\n    }\n    channels { slug name }\n  }\n  fragment KpiFigures on KpiRow {\n    revenue { amount currency } orders averageOrderValue { amount currency }\n    conversionRate cartAbandonmentRate returnRate\n  }\n": types.ConsoleSalesOverviewDocument,
    "\n  query ConsoleSystemHealth {\n    systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed openExceptions }\n  }\n": types.ConsoleSystemHealthDocument,
    "\n  query ConsoleReturns($status: ReturnStatus, $first: Int!, $after: String) {\n    returnRequests(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id status reason note createdAt refundAmount { amount currency }\n          order { id number }\n          lines { quantity orderLine { sku } }\n        }\n      }\n    }\n  }\n": types.ConsoleReturnsDocument,
    "\n  mutation ConsoleTokenCreate($input: TokenCreateInput!) {\n    tokenCreate(input: $input) { accessToken refreshToken userErrors { code message field retryAfter } }\n  }\n": types.ConsoleTokenCreateDocument,
    "\n  query ConsoleMe { me { email roles } }\n": types.ConsoleMeDocument,
    "\n  query ConsoleWebhookEndpoints { webhookEndpoints { id url eventTypes description isActive createdAt } }\n": types.ConsoleWebhookEndpointsDocument,
    "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus, $first: Int!, $after: String) {\n    webhookDeliveries(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id eventId topic status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }\n    }\n  }\n": types.ConsoleWebhookDeliveriesDocument,
    "\n  mutation ConsoleWebhookEndpointCreate($input: WebhookEndpointCreateInput!) {\n    webhookEndpointCreate(input: $input) { endpoint { id } secret userErrors { code message field } }\n  }\n": types.ConsoleWebhookEndpointCreateDocument,
    "\n  mutation ConsoleWebhookEndpointDeactivate($input: WebhookEndpointDeactivateInput!) {\n    webhookEndpointDeactivate(input: $input) { endpoint { id isActive } userErrors { code message field } }\n  }\n": types.ConsoleWebhookEndpointDeactivateDocument,
    "\n  mutation ConsoleWebhookDeliveryRetry($input: WebhookDeliveryRetryInput!) {\n    webhookDeliveryRetry(input: $input) { delivery { id status } userErrors { code message field } }\n  }\n": types.ConsoleWebhookDeliveryRetryDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleTokenRevoke($input: TokenRevokeInput!) {\n    tokenRevoke(input: $input) { userErrors { code message } }\n  }\n"): (typeof documents)["\n  mutation ConsoleTokenRevoke($input: TokenRevokeInput!) {\n    tokenRevoke(input: $input) { userErrors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleTokenRefresh($input: TokenRefreshInput!) {\n    tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleTokenRefresh($input: TokenRefreshInput!) {\n    tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleApprovals($status: ApprovalStatus) {\n    approvalRequests(status: $status) {\n      id action subjectId status reason requestedBy decidedBy evidence createdAt decidedAt consumedAt\n    }\n  }\n"): (typeof documents)["\n  query ConsoleApprovals($status: ApprovalStatus) {\n    approvalRequests(status: $status) {\n      id action subjectId status reason requestedBy decidedBy evidence createdAt decidedAt consumedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleApprovalDecide($input: ApprovalRequestDecideInput!) {\n    approvalRequestDecide(input: $input) { approvalRequest { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleApprovalDecide($input: ApprovalRequestDecideInput!) {\n    approvalRequestDecide(input: $input) { approvalRequest { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCampaigns($first: Int!, $after: String) {\n    campaigns(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name status discountType discountValue startsAt endsAt code usageLimit timesUsed\n          minSubtotal { amount currency } channels { slug }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCampaigns($first: Int!, $after: String) {\n    campaigns(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name status discountType discountValue startsAt endsAt code usageLimit timesUsed\n          minSubtotal { amount currency } channels { slug }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCampaignStatus($input: CampaignStatusUpdateInput!) {\n    campaignStatusUpdate(input: $input) { campaign { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCampaignStatus($input: CampaignStatusUpdateInput!) {\n    campaignStatusUpdate(input: $input) { campaign { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCampaignCreate($input: CampaignCreateInput!) {\n    campaignCreate(input: $input) { campaign { id } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCampaignCreate($input: CampaignCreateInput!) {\n    campaignCreate(input: $input) { campaign { id } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleProducts($first: Int!, $after: String, $search: String, $status: [ProductStatus!]) {\n    products(first: $first, after: $after, filter: { search: $search, status: $status }) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug description status isAvailable price { amount currency } category { name }\n          seo { title description }\n          media { url alt }\n          channelListings { channel { slug name } isPublished availableForPurchaseAt }\n          variants {\n            id sku name price { amount currency } quantityAvailable isArchived weightGrams\n            options { name value }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleProducts($first: Int!, $after: String, $search: String, $status: [ProductStatus!]) {\n    products(first: $first, after: $after, filter: { search: $search, status: $status }) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug description status isAvailable price { amount currency } category { name }\n          seo { title description }\n          media { url alt }\n          channelListings { channel { slug name } isPublished availableForPurchaseAt }\n          variants {\n            id sku name price { amount currency } quantityAvailable isArchived weightGrams\n            options { name value }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleVariantUpdate($input: ProductVariantUpdateInput!) {\n    productVariantUpdate(input: $input) { variant { id price { amount currency } isArchived } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleVariantUpdate($input: ProductVariantUpdateInput!) {\n    productVariantUpdate(input: $input) { variant { id price { amount currency } isArchived } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleVariantCreate($input: ProductVariantCreateInput!) {\n    productVariantCreate(input: $input) { variant { id } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleVariantCreate($input: ProductVariantCreateInput!) {\n    productVariantCreate(input: $input) { variant { id } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleWarehouses { warehouses { id name code } }\n"): (typeof documents)["\n  query ConsoleWarehouses { warehouses { id name code } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleStockSet($input: StockSetInput!) {\n    stockSet(input: $input) { variant { id quantityAvailable } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleStockSet($input: StockSetInput!) {\n    stockSet(input: $input) { variant { id quantityAvailable } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleProductUpdate($input: ProductUpdateInput!) {\n    productUpdate(input: $input) { product { id name description status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleProductUpdate($input: ProductUpdateInput!) {\n    productUpdate(input: $input) { product { id name description status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCollections($first: Int!, $after: String) {\n    collections(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug isPublished\n          products(first: 100) { totalCount edges { node { id name } } }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCollections($first: Int!, $after: String) {\n    collections(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id name slug isPublished\n          products(first: 100) { totalCount edges { node { id name } } }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCollectionProductSearch($search: String!) {\n    products(first: 10, filter: { search: $search }) { edges { node { id name } } }\n  }\n"): (typeof documents)["\n  query ConsoleCollectionProductSearch($search: String!) {\n    products(first: 10, filter: { search: $search }) { edges { node { id name } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCollectionCreate($input: CollectionCreateInput!) {\n    collectionCreate(input: $input) { collection { id } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCollectionCreate($input: CollectionCreateInput!) {\n    collectionCreate(input: $input) { collection { id } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCollectionUpdate($input: CollectionUpdateInput!) {\n    collectionUpdate(input: $input) { collection { id isPublished } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCollectionUpdate($input: CollectionUpdateInput!) {\n    collectionUpdate(input: $input) { collection { id isPublished } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCollectionProductsSet($input: CollectionProductsSetInput!) {\n    collectionProductsSet(input: $input) { collection { id } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCollectionProductsSet($input: CollectionProductsSetInput!) {\n    collectionProductsSet(input: $input) { collection { id } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleExceptions($status: ExceptionStatus, $first: Int!, $after: String) {\n    operationalExceptions(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleExceptions($status: ExceptionStatus, $first: Int!, $after: String) {\n    operationalExceptions(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleExceptionFeed { operationalExceptionChanged { id status } }\n"): (typeof documents)["\n  subscription ConsoleExceptionFeed { operationalExceptionChanged { id status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleExceptionResolve($input: OperationalExceptionResolveInput!) {\n    operationalExceptionResolve(input: $input) { exception { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleExceptionResolve($input: OperationalExceptionResolveInput!) {\n    operationalExceptionResolve(input: $input) { exception { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleOrderRow on EcommerceOrder {\n    id number status paymentStatus email createdAt total { amount currency } channel { slug name }\n  }\n"): (typeof documents)["\n  fragment ConsoleOrderRow on EcommerceOrder {\n    id number status paymentStatus email createdAt total { amount currency } channel { slug name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleOrders($first: Int!, $after: String) {\n    orders(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...ConsoleOrderRow } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleOrders($first: Int!, $after: String) {\n    orders(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...ConsoleOrderRow } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleOrderFeed {\n    orderUpdated { toStatus occurredAt order { ...ConsoleOrderRow } }\n  }\n"): (typeof documents)["\n  subscription ConsoleOrderFeed {\n    orderUpdated { toStatus occurredAt order { ...ConsoleOrderRow } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleOrder($id: ID!, $withAudit: Boolean!) {\n    order(id: $id) {\n      id number status paymentStatus email createdAt availableTransitions deliveryMethodName\n      subtotal { amount currency } discount { amount currency } shipping { amount currency }\n      shippingDiscount { amount currency } shippingRefunded { amount currency } total { amount currency }\n      shippingAddress { name line1 line2 city postalCode country phone }\n      channel { name } campaign { name }\n      lines {\n        id productName sku quantity quantityFulfilled quantityReturned\n        unitPrice { amount currency } discount { amount currency } paidTotal { amount currency }\n      }\n      fulfillments {\n        id status carrier trackingNumber updatedAt availableTransitions warehouse { name }\n        lines { quantity orderLine { id sku } }\n      }\n      returnRequests {\n        id status reason note createdAt refundAmount { amount currency }\n        lines { quantity orderLine { sku } }\n      }\n    }\n    auditEvents(first: 100, subjectId: $id) @include(if: $withAudit) {\n      edges { node { id sequence occurredAt actor action fromStatus toStatus } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleOrder($id: ID!, $withAudit: Boolean!) {\n    order(id: $id) {\n      id number status paymentStatus email createdAt availableTransitions deliveryMethodName\n      subtotal { amount currency } discount { amount currency } shipping { amount currency }\n      shippingDiscount { amount currency } shippingRefunded { amount currency } total { amount currency }\n      shippingAddress { name line1 line2 city postalCode country phone }\n      channel { name } campaign { name }\n      lines {\n        id productName sku quantity quantityFulfilled quantityReturned\n        unitPrice { amount currency } discount { amount currency } paidTotal { amount currency }\n      }\n      fulfillments {\n        id status carrier trackingNumber updatedAt availableTransitions warehouse { name }\n        lines { quantity orderLine { id sku } }\n      }\n      returnRequests {\n        id status reason note createdAt refundAmount { amount currency }\n        lines { quantity orderLine { sku } }\n      }\n    }\n    auditEvents(first: 100, subjectId: $id) @include(if: $withAudit) {\n      edges { node { id sequence occurredAt actor action fromStatus toStatus } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleOrderChanged($orderId: ID!) { orderUpdated(orderId: $orderId) { toStatus occurredAt } }\n"): (typeof documents)["\n  subscription ConsoleOrderChanged($orderId: ID!) { orderUpdated(orderId: $orderId) { toStatus occurredAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleFulfillmentChanged($orderId: ID!) {\n    fulfillmentUpdated(orderId: $orderId) { toStatus occurredAt }\n  }\n"): (typeof documents)["\n  subscription ConsoleFulfillmentChanged($orderId: ID!) {\n    fulfillmentUpdated(orderId: $orderId) { toStatus occurredAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleOrderCancel($input: OrderCancelInput!) {\n    orderCancel(input: $input) { order { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleOrderCancel($input: OrderCancelInput!) {\n    orderCancel(input: $input) { order { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleFulfillmentCreate($input: FulfillmentCreateInput!) {\n    fulfillmentCreate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleFulfillmentCreate($input: FulfillmentCreateInput!) {\n    fulfillmentCreate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleFulfillmentUpdate($input: FulfillmentUpdateInput!) {\n    fulfillmentUpdate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleFulfillmentUpdate($input: FulfillmentUpdateInput!) {\n    fulfillmentUpdate(input: $input) { fulfillment { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleReturnApprove($input: ReturnRequestDecisionInput!) {\n    returnRequestApprove(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleReturnApprove($input: ReturnRequestDecisionInput!) {\n    returnRequestApprove(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleReturnReject($input: ReturnRequestDecisionInput!) {\n    returnRequestReject(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleReturnReject($input: ReturnRequestDecisionInput!) {\n    returnRequestReject(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleReturnReceive($input: ReturnRequestDecisionInput!) {\n    returnRequestReceive(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleReturnReceive($input: ReturnRequestDecisionInput!) {\n    returnRequestReceive(input: $input) { returnRequest { id status } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleReturnRefund($input: ReturnRequestDecisionInput!) {\n    returnRequestRefund(input: $input) { returnRequest { id status refundAmount { amount currency } } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleReturnRefund($input: ReturnRequestDecisionInput!) {\n    returnRequestRefund(input: $input) { returnRequest { id status refundAmount { amount currency } } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSalesOverview($from: DateTime!, $to: DateTime!, $daily: [ReportDimension!]) {\n    byChannel: salesReport(from: $from, to: $to, groupBy: [CHANNEL]) {\n      asOf\n      rows { ...KpiFigures channel { slug name } }\n      total { ...KpiFigures }\n    }\n    daily: salesReport(from: $from, to: $to, groupBy: $daily, interval: DAY) {\n      rows { periodStart orders revenue { amount currency } channel { slug } }\n    }\n    matrix: salesReport(from: $from, to: $to, groupBy: [CHANNEL, CAMPAIGN]) {\n      rows { ...KpiFigures channel { slug name } campaign { id name } }\n    }\n    channels { slug name }\n  }\n  fragment KpiFigures on KpiRow {\n    revenue { amount currency } orders averageOrderValue { amount currency }\n    conversionRate cartAbandonmentRate returnRate\n  }\n"): (typeof documents)["\n  query ConsoleSalesOverview($from: DateTime!, $to: DateTime!, $daily: [ReportDimension!]) {\n    byChannel: salesReport(from: $from, to: $to, groupBy: [CHANNEL]) {\n      asOf\n      rows { ...KpiFigures channel { slug name } }\n      total { ...KpiFigures }\n    }\n    daily: salesReport(from: $from, to: $to, groupBy: $daily, interval: DAY) {\n      rows { periodStart orders revenue { amount currency } channel { slug } }\n    }\n    matrix: salesReport(from: $from, to: $to, groupBy: [CHANNEL, CAMPAIGN]) {\n      rows { ...KpiFigures channel { slug name } campaign { id name } }\n    }\n    channels { slug name }\n  }\n  fragment KpiFigures on KpiRow {\n    revenue { amount currency } orders averageOrderValue { amount currency }\n    conversionRate cartAbandonmentRate returnRate\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSystemHealth {\n    systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed openExceptions }\n  }\n"): (typeof documents)["\n  query ConsoleSystemHealth {\n    systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed openExceptions }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleReturns($status: ReturnStatus, $first: Int!, $after: String) {\n    returnRequests(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id status reason note createdAt refundAmount { amount currency }\n          order { id number }\n          lines { quantity orderLine { sku } }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleReturns($status: ReturnStatus, $first: Int!, $after: String) {\n    returnRequests(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id status reason note createdAt refundAmount { amount currency }\n          order { id number }\n          lines { quantity orderLine { sku } }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleTokenCreate($input: TokenCreateInput!) {\n    tokenCreate(input: $input) { accessToken refreshToken userErrors { code message field retryAfter } }\n  }\n"): (typeof documents)["\n  mutation ConsoleTokenCreate($input: TokenCreateInput!) {\n    tokenCreate(input: $input) { accessToken refreshToken userErrors { code message field retryAfter } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleMe { me { email roles } }\n"): (typeof documents)["\n  query ConsoleMe { me { email roles } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleWebhookEndpoints { webhookEndpoints { id url eventTypes description isActive createdAt } }\n"): (typeof documents)["\n  query ConsoleWebhookEndpoints { webhookEndpoints { id url eventTypes description isActive createdAt } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus, $first: Int!, $after: String) {\n    webhookDeliveries(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id eventId topic status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus, $first: Int!, $after: String) {\n    webhookDeliveries(status: $status, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id eventId topic status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleWebhookEndpointCreate($input: WebhookEndpointCreateInput!) {\n    webhookEndpointCreate(input: $input) { endpoint { id } secret userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleWebhookEndpointCreate($input: WebhookEndpointCreateInput!) {\n    webhookEndpointCreate(input: $input) { endpoint { id } secret userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleWebhookEndpointDeactivate($input: WebhookEndpointDeactivateInput!) {\n    webhookEndpointDeactivate(input: $input) { endpoint { id isActive } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleWebhookEndpointDeactivate($input: WebhookEndpointDeactivateInput!) {\n    webhookEndpointDeactivate(input: $input) { endpoint { id isActive } userErrors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleWebhookDeliveryRetry($input: WebhookDeliveryRetryInput!) {\n    webhookDeliveryRetry(input: $input) { delivery { id status } userErrors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConsoleWebhookDeliveryRetry($input: WebhookDeliveryRetryInput!) {\n    webhookDeliveryRetry(input: $input) { delivery { id status } userErrors { code message field } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;