CREATE TABLE "backtest_orders" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"tick_ts" bigint NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"amount" numeric NOT NULL,
	"price" numeric NOT NULL,
	"fee" numeric NOT NULL,
	"reason" text NOT NULL,
	"fee_role" text NOT NULL,
	CONSTRAINT "backtest_orders_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "backtest_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"sweep_id" text,
	"status" text NOT NULL,
	"request" jsonb NOT NULL,
	"label" text NOT NULL,
	"fingerprint" text,
	"metrics" jsonb,
	"equity" jsonb,
	"buy_and_hold" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "backtest_orders" ADD CONSTRAINT "backtest_orders_run_id_backtest_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."backtest_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backtest_runs_created_idx" ON "backtest_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "backtest_runs_sweep_idx" ON "backtest_runs" USING btree ("sweep_id");