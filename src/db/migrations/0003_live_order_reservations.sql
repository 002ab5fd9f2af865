CREATE TABLE "live_order_reservations" (
	"client_order_id" text PRIMARY KEY NOT NULL,
	"account_key" text NOT NULL,
	"notional" numeric NOT NULL,
	"reserved_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "live_order_reservations_account_time_idx" ON "live_order_reservations" USING btree ("account_key","reserved_at_ms");