"""The catalog: a category tree, products and their variants, collections."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Amount, Base, UTCDateTime, utcnow


class Category(Base):
    """A node of the category tree.

    `path` is the materialised chain of ids from the root ("/1/4/9/"), so a subtree is one
    `LIKE '/1/4/%'` on an index, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(1000), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    """A product. `min_price` is the lowest variant list price, kept by every variant write,
    so that listing, sorting and filtering by price need no join."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_name_id", "name", "id"),
        Index("ix_products_min_price_id", "min_price", "id"),
        Index("ix_products_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    min_price: Mapped[Decimal] = mapped_column(Amount)
    # ProductStatus (app/domain/states.py): shoppers see ACTIVE products only.
    status: Mapped[str] = mapped_column(String(16), index=True)
    seo_title: Mapped[str | None] = mapped_column(String(200))
    seo_description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProductChannelListing(Base):
    """How a product is listed on one channel. No row: published there, buyable at once (a new
    product is on every channel unless its listings say otherwise); a row says otherwise."""

    __tablename__ = "product_channel_listings"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True, index=True)
    is_published: Mapped[bool] = mapped_column(Boolean)
    available_for_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProductVariant(Base):
    __tablename__ = "product_variants"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Amount)
    weight_grams: Mapped[int | None] = mapped_column()
    # Archived: hidden from shoppers, not added to carts; orders and carts that hold it keep it.
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VariantOption(Base):
    """One option value of a variant (Size: M). A product's options are the names and values its
    variants use, in the order of its variants and their positions."""

    __tablename__ = "variant_options"
    __table_args__ = (Index("ix_variant_options_name_value", "name", "value"),)

    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column()


class ProductMedia(Base):
    """An image or video of a product, by URL (http or https), in display order."""

    __tablename__ = "product_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    alt: Mapped[str | None] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column()


class Collection(Base):
    """A curated, ordered list of products, published to shoppers or kept for staff."""

    __tablename__ = "collections"
    __table_args__ = (Index("ix_collections_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_published: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# A collection's members in display order (`position` from 0); read in that order through
# (collection_id, position, product_id), and per product (Product.collections) through product_id.
collection_products = Table(
    "collection_products",
    Base.metadata,
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
    Index("ix_collection_products_order", "collection_id", "position", "product_id"),
)
