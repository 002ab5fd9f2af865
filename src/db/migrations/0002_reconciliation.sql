CREATE TABLE "reconciliation_findings" (
	"cycle_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"exchange" text NOT NULL,
	"symbol" text NOT NULL,
	"detail" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "reconciliation_findings_cycle_id_kind_ref_pk" PRIMARY KEY("cycle_id","kind","ref")
);
--> statement-breakpoint
CREATE INDEX "reconciliation_findings_open_idx" ON "reconciliation_findings" USING btree ("cycle_id","resolved_at");