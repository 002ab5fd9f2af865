CREATE TABLE "balances" (
	"account" text NOT NULL,
	"asset" text NOT NULL,
	"free" numeric NOT NULL,
	"used" numeric DEFAULT '0' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "balances_account_asset_pk" PRIMARY KEY("account","asset"),
	CONSTRAINT "balances_free_non_negative" CHECK ("balances"."free" >= 0),
	CONSTRAINT "balances_used_non_negative" CHECK ("balances"."used" >= 0)
);
--> statement-breakpoint
CREATE TABLE "candles" (
	"exchange" text NOT NULL,
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"ts" bigint NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" double precision NOT NULL,
	CONSTRAINT "candles_exchange_symbol_timeframe_ts_pk" PRIMARY KEY("exchange","symbol","timeframe","ts")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"client_order_id" text PRIMARY KEY NOT NULL,
	"cycle_id" text NOT NULL,
	"tick_ts" bigint NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"type" text NOT NULL,
	"amount" numeric NOT NULL,
	"price" numeric NOT NULL,
	"status" text NOT NULL,
	"filled" numeric NOT NULL,
	"average_price" numeric NOT NULL,
	"fee_quote" numeric NOT NULL,
	"exchange_order_id" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "paper_orders" (
	"account" text NOT NULL,
	"client_order_id" text NOT NULL,
	"exchange_order_id" text NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"amount" numeric NOT NULL,
	"filled" numeric NOT NULL,
	"average_price" numeric NOT NULL,
	"fee_quote" numeric NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "paper_orders_account_client_order_id_pk" PRIMARY KEY("account","client_order_id")
);
--> statement-breakpoint
CREATE TABLE "positions" (
	"cycle_id" text NOT NULL,
	"symbol" text NOT NULL,
	"quantity" numeric NOT NULL,
	"average_price" numeric NOT NULL,
	"opened_tick" integer NOT NULL,
	"updated_tick_ts" bigint NOT NULL,
	CONSTRAINT "positions_cycle_id_symbol_pk" PRIMARY KEY("cycle_id","symbol")
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"cycle_id" text NOT NULL,
	"tick_ts" bigint NOT NULL,
	"symbol" text NOT NULL,
	"candle_ts" bigint NOT NULL,
	"price" double precision NOT NULL,
	"score" double precision NOT NULL,
	"action" text NOT NULL,
	"volatility" double precision NOT NULL,
	"regime" text NOT NULL,
	"rsi" double precision NOT NULL,
	"ma_fast" double precision NOT NULL,
	"ma_slow" double precision NOT NULL,
	"macd" double precision NOT NULL,
	"macd_signal" double precision NOT NULL,
	"macd_histogram" double precision NOT NULL,
	CONSTRAINT "signals_cycle_id_tick_ts_symbol_pk" PRIMARY KEY("cycle_id","tick_ts","symbol")
);
--> statement-breakpoint
CREATE TABLE "ticks" (
	"cycle_id" text NOT NULL,
	"tick_ts" bigint NOT NULL,
	"tick_no" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"coins" integer NOT NULL,
	"failed_coins" jsonb NOT NULL,
	"orders_placed" integer NOT NULL,
	"cash" numeric NOT NULL,
	"equity" numeric NOT NULL,
	"realized_pnl" numeric NOT NULL,
	CONSTRAINT "ticks_cycle_id_tick_ts_pk" PRIMARY KEY("cycle_id","tick_ts")
);
--> statement-breakpoint
CREATE INDEX "orders_cycle_tick_idx" ON "orders" USING btree ("cycle_id","tick_ts");--> statement-breakpoint
CREATE INDEX "signals_cycle_symbol_tick_idx" ON "signals" USING btree ("cycle_id","symbol","tick_ts");