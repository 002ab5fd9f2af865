CREATE TABLE "ai_analyses" (
	"cycle_id" text NOT NULL,
	"tick_ts" bigint NOT NULL,
	"symbol" text NOT NULL,
	"status" text NOT NULL,
	"model" text NOT NULL,
	"prompt_version" text NOT NULL,
	"prompt_hash" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(14, 8),
	"latency_ms" integer,
	"signal_action" text NOT NULL,
	"signal_score" double precision NOT NULL,
	"action" text,
	"confidence" double precision,
	"rationale" text,
	"risk_flags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"raw_output" text,
	"error_code" text,
	"error_message" text,
	"attempt" integer DEFAULT 1 NOT NULL,
	"analyzed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ai_analyses_cycle_id_tick_ts_symbol_pk" PRIMARY KEY("cycle_id","tick_ts","symbol")
);
--> statement-breakpoint
CREATE INDEX "ai_analyses_analyzed_at_idx" ON "ai_analyses" USING btree ("analyzed_at");--> statement-breakpoint
CREATE INDEX "ai_analyses_symbol_analyzed_at_idx" ON "ai_analyses" USING btree ("symbol","analyzed_at");