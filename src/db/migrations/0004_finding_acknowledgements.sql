CREATE TABLE "finding_acknowledgements" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "finding_acknowledgements_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cycle_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"symbol" text NOT NULL,
	"acknowledged_by" text NOT NULL,
	"acknowledged_at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD COLUMN "acknowledgement_id" bigint;--> statement-breakpoint
CREATE INDEX "finding_acknowledgements_cycle_idx" ON "finding_acknowledgements" USING btree ("cycle_id","acknowledged_at");--> statement-breakpoint
ALTER TABLE "reconciliation_findings" ADD CONSTRAINT "reconciliation_findings_acknowledgement_id_finding_acknowledgements_id_fk" FOREIGN KEY ("acknowledgement_id") REFERENCES "public"."finding_acknowledgements"("id") ON DELETE no action ON UPDATE no action;