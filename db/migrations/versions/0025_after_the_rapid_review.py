"""After the Rapid Review (issue 29): the LCSPR, the recommendations and actions register, and practice themes.

- lcsprs: one per review (a Rapid Review that becomes an LCSPR stays one record, "converted"); each step a date on or
  after the decision, in the order the steps come; family involvement a date or the reason it did not happen;
  publication a date with its https address, or the reason the report is not published.
- recommendations (from the Rapid Review's report, the Panel's response or the LCSPR) and review_actions: each action
  of the recommendation's own review (composite foreign key), an owning agency, one owner (an account or a named
  contact), a due date not before the recommendation was made (trigger), a status, a date to check impact, and the
  impact check's when, who and finding together.
- action_evidence: rounds of evidence, kept for ever: the outcome (accepted, or sent back with a reason) recorded once;
  no other change, no delete (trigger, owner included). action_evidence_documents: PDF or Word by content, 10 MiB,
  SHA-256 checked, never changed or deleted.
- practice_themes: the partnership's list, seeded from the national sources (docs/themes.md names them);
  retired (inactive), never deleted. review_themes: a review coded with a theme and one sentence of learning.
- Every new table is on the record of changes (migration 0017's trigger; the documents' bytes as their SHA-256); the
  app's group loses DELETE on all but review_themes (a theme coded in error is uncoded, on the record).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# Frozen here on purpose (db/models_after.py mirrors them; tests/integration/test_schema_drift.py compares them).
LCSPR_CHECKS = (
    ('lcspr_steps_after_decision',
     'coalesce(reviewer_commissioned_on, decided_on) >= decided_on'
     ' AND coalesce(terms_agreed_on, decided_on) >= decided_on'
     ' AND coalesce(practitioners_involved_on, decided_on) >= decided_on'
     ' AND coalesce(family_involved_on, decided_on) >= decided_on'
     ' AND coalesce(draft_to_partners_on, decided_on) >= decided_on'
     ' AND coalesce(final_report_on, decided_on) >= decided_on'
     ' AND coalesce(copies_sent_on, decided_on) >= decided_on'
     ' AND coalesce(published_on, decided_on) >= decided_on'),
    ('lcspr_reviewer_named',
     '(reviewer_commissioned_on IS NULL) = (reviewer_name IS NULL)'),
    ('lcspr_reviewer_name_not_blank',
     'reviewer_name IS NULL OR length(btrim(reviewer_name)) > 0'),
    ('lcspr_terms_after_commissioning',
     'terms_agreed_on IS NULL OR (reviewer_commissioned_on IS NOT NULL'
     ' AND terms_agreed_on >= reviewer_commissioned_on)'),
    ('lcspr_family_date_or_reason',
     'family_involved_on IS NULL OR family_not_involved_reason IS NULL'),
    ('lcspr_family_reason_not_blank',
     'family_not_involved_reason IS NULL OR length(btrim(family_not_involved_reason)) > 0'),
    ('lcspr_final_after_draft',
     'final_report_on IS NULL OR (draft_to_partners_on IS NOT NULL'
     ' AND final_report_on >= draft_to_partners_on)'),
    ('lcspr_copies_after_final',
     'copies_sent_on IS NULL OR (final_report_on IS NOT NULL AND copies_sent_on >= final_report_on)'),
    ('lcspr_published_after_copies',
     'published_on IS NULL OR (copies_sent_on IS NOT NULL AND published_on >= copies_sent_on)'),
    ('lcspr_published_with_address',
     '(published_on IS NULL) = (publication_address IS NULL)'),
    ('lcspr_publication_address_web',
     "publication_address IS NULL OR publication_address ~ '^https://[^[:space:]]+$'"),
    ('lcspr_published_or_not',
     'published_on IS NULL OR not_published_reason IS NULL'),
    ('lcspr_not_published_reason_not_blank',
     'not_published_reason IS NULL OR (length(btrim(not_published_reason)) > 0'
     ' AND final_report_on IS NOT NULL)'),
)
RECOMMENDATION_CHECKS = (
    ('recommendation_source_known',
     "source IN ('rapid_review','panel_response','lcspr')"),
    ('recommendation_text_not_blank',
     'length(btrim(recommendation)) > 0 AND length(recommendation) <= 2000'),
)
ACTION_CHECKS = (
    ('action_status_known',
     "status IN ('not_started','in_progress','done','evidence_accepted','impact_checked')"),
    ('action_text_not_blank',
     'length(btrim(description)) > 0 AND length(description) <= 2000'),
    ('action_one_owner',
     '(owner_account_id IS NULL) <> (owner_name IS NULL)'),
    ('action_owner_name_not_blank',
     'owner_name IS NULL OR length(btrim(owner_name)) > 0'),
    ('action_owner_email_with_name',
     "owner_email IS NULL OR (owner_name IS NOT NULL AND owner_email LIKE '%_@_%')"),
    ('action_impact_check_after_due',
     'impact_check_on IS NULL OR impact_check_on >= due_on'),
    ('action_impact_checked_complete',
     "(status = 'impact_checked') = (impact_checked_on IS NOT NULL)"
     ' AND (impact_checked_on IS NULL) = (impact_checked_by_id IS NULL)'
     ' AND (impact_checked_on IS NULL) = (impact_finding IS NULL)'),
    ('action_impact_finding_not_blank',
     'impact_finding IS NULL OR length(btrim(impact_finding)) > 0'),
)
EVIDENCE_CHECKS = (
    ('evidence_round_positive',
     'round >= 1'),
    ('evidence_text_not_blank',
     'length(btrim(evidence)) > 0 AND length(evidence) <= 10000'),
    ('evidence_outcome_known',
     "outcome IS NULL OR outcome IN ('accepted','sent back')"),
    ('evidence_outcome_complete',
     '(outcome IS NULL) = (decided_on IS NULL) AND (outcome IS NULL) = (decided_by_id IS NULL)'),
    ('evidence_sent_back_with_reason',
     '(outcome IS NULL AND outcome_reason IS NULL) OR (outcome IS NOT NULL'
     " AND (outcome = 'sent back') = (outcome_reason IS NOT NULL"
     ' AND length(btrim(outcome_reason)) > 0))'),
    ('evidence_decided_after_given',
     'decided_on IS NULL OR decided_on >= given_on'),
    ('evidence_given_by_someone',
     'given_by_id IS NOT NULL OR given_through_link'),
)
EVIDENCE_DOCUMENT_CHECKS = (
    ('evidence_document_file_name_plain',
     "length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'"),
    ('evidence_document_type_known',
     "content_type IN ('application/pdf','application/msword',"
     "'application/vnd.openxmlformats-officedocument.wordprocessingml.document')"),
    ('evidence_document_size_limit',
     'size_bytes BETWEEN 1 AND 10485760'),
    ('evidence_document_size_matches',
     'octet_length(content) = size_bytes'),
    ('evidence_document_sha256_matches',
     "sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')"),
)
THEME_CHECKS = (
    ('theme_name_not_blank',
     'length(btrim(name)) > 0'),
    ('theme_source_not_blank',
     'length(btrim(source)) > 0'),
)
REVIEW_THEME_CHECKS = (
    ('review_theme_learning_not_blank',
     'length(btrim(learning)) > 0 AND length(learning) <= 300'),
)

# The default practice themes: (name, source). docs/themes.md cites each source.
DEFAULT_THEMES = (
    ("Multi-agency information sharing", "Panel annual report 2020: key practice themes (sharing information)"),
    ("Risk assessment and responding to changing risk and need",
     "Panel annual report 2020: key practice themes (responding to changing risk and need)"),
    ("Critical thinking and professional challenge",
     "Panel annual report 2020 and 2022 to 2023: key practice themes (critical thinking and challenge)"),
    ("The child's lived experience and voice",
     "Panel annual report 2020: key practice themes (what the child's daily life is like)"),
    ("Working with families who are reluctant to engage",
     "Panel annual report 2020: key practice themes (reluctance, hostility, disguised compliance)"),
    ("Involving fathers and male carers", "Panel national review 'The myth of invisible men' (2021)"),
    ("Domestic abuse", "Panel annual report 2022 to 2023: key practice themes (domestic abuse)"),
    ("Parental mental health", "Panel annual reports 2022 to 2023 and 2023 to 2024 (parental mental health)"),
    ("Parental substance misuse", "Panel annual report 2022 to 2023: family characteristics of the reviews"),
    ("Neglect", "Panel annual report 2022 to 2023: harm types (neglect in over half of the reviews)"),
    ("Physical abuse and non-accidental injury", "Panel annual reports: harm types of the rapid reviews"),
    ("Sexual abuse, including within the family",
     "Panel annual report 2023 to 2024: harm types; Panel national review of child sexual abuse in the family (2024)"),
    ("The vulnerability of babies", "Panel annual report 2022 to 2023 (babies); DfE SIN statistics: age (under 1)"),
    ("Sudden unexpected death in infancy and safer sleep", "Panel national review 'Out of routine' (2020)"),
    ("Child criminal exploitation and serious youth violence",
     "Panel national review 'It was hard to escape' (2020)"),
    ("Extra-familial harm", "Panel annual report 2022 to 2023 (risks outside the family); 2023 to 2024 spotlight"),
    ("Children's mental health, self-harm and suicide",
     "Panel annual report 2022 to 2023 (complex mental health needs); 2023 to 2024 spotlight"),
    ("Disabled children and children with complex health needs",
     "Panel annual report 2022 to 2023 (disabilities and health needs); DfE SIN statistics: disability"),
    ("Race, ethnicity, culture and identity",
     "Panel annual report 2022 to 2023 (racial, ethnic and cultural identity); DfE SIN statistics: ethnicity"),
    ("Children not in school", "Panel annual report 2022 to 2023 (children not in school)"),
    ("Children looked after", "DfE SIN statistics: child looked after and placement type"),
)
KEPT = ("lcsprs", "recommendations", "review_actions", "action_evidence", "action_evidence_documents",
        "practice_themes")


def _checks(checks: tuple[tuple[str, str], ...]) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(sql, name=name) for name, sql in checks]


def _created(by: str = "created_by_id") -> list[sa.Column[Any]]:
    return [sa.Column(by, sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()"))]


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer(), nullable=False, server_default="1")


def upgrade() -> None:
    op.create_table(
        "lcsprs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False, unique=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reviewer_name", sa.String(length=200), nullable=True),
        sa.Column("reviewer_commissioned_on", sa.Date(), nullable=True),
        sa.Column("terms_agreed_on", sa.Date(), nullable=True),
        sa.Column("practitioners_involved_on", sa.Date(), nullable=True),
        sa.Column("family_involved_on", sa.Date(), nullable=True),
        sa.Column("family_not_involved_reason", sa.Text(), nullable=True),
        sa.Column("draft_to_partners_on", sa.Date(), nullable=True),
        sa.Column("final_report_on", sa.Date(), nullable=True),
        sa.Column("copies_sent_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("publication_address", sa.String(length=500), nullable=True),
        sa.Column("not_published_reason", sa.Text(), nullable=True),
        *_created(), _version(),
        *_checks(LCSPR_CHECKS),
    )
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        *_created(), _version(),
        *_checks(RECOMMENDATION_CHECKS),
        sa.UniqueConstraint("id", "review_id", name="recommendation_of_review"),
    )
    op.create_index("ix_recommendations_review", "recommendations", ["review_id"])
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("owner_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("owner_email", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, server_default="not_started"),
        sa.Column("impact_check_on", sa.Date(), nullable=True),
        sa.Column("impact_checked_on", sa.Date(), nullable=True),
        sa.Column("impact_checked_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("impact_finding", sa.Text(), nullable=True),
        *_created(), _version(),
        *_checks(ACTION_CHECKS),
        sa.ForeignKeyConstraint(["recommendation_id", "review_id"], ["recommendations.id", "recommendations.review_id"],
                                name="action_of_the_recommendations_review"),
        sa.UniqueConstraint("id", "review_id", name="action_of_review"),
    )
    op.create_index("ix_review_actions_review", "review_actions", ["review_id"])
    op.create_index("ix_review_actions_agency_due", "review_actions", ["agency_id", "due_on"])
    op.create_table(
        "action_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("given_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("given_through_link", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        *_checks(EVIDENCE_CHECKS),
        sa.ForeignKeyConstraint(["action_id", "review_id"], ["review_actions.id", "review_actions.review_id"],
                                name="evidence_of_the_actions_review"),
        sa.UniqueConstraint("action_id", "round", name="evidence_round_once"),
    )
    op.create_table(
        "action_evidence_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("evidence_id", sa.Integer(), sa.ForeignKey("action_evidence.id"), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        *_checks(EVIDENCE_DOCUMENT_CHECKS),
    )
    op.create_index("ix_action_evidence_documents_evidence", "action_evidence_documents", ["evidence_id"])
    themes = op.create_table(
        "practice_themes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("sort_order", sa.Integer(), nullable=False, server_default="0"),
        _version(),
        *_checks(THEME_CHECKS),
    )
    op.create_index("uq_practice_themes_name", "practice_themes", [sa.text("lower(name)")], unique=True)
    op.create_table(
        "review_themes",
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), primary_key=True),
        sa.Column("theme_id", sa.Integer(), sa.ForeignKey("practice_themes.id"), primary_key=True),
        sa.Column("learning", sa.Text(), nullable=False),
        sa.Column("coded_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        *_checks(REVIEW_THEME_CHECKS),
    )
    assert themes is not None
    op.bulk_insert(themes, [{"name": name, "source": source, "sort_order": (i + 1) * 10}
                            for i, (name, source) in enumerate(DEFAULT_THEMES)])

    # An action is due on or after its recommendation was made.
    op.execute(
        """
        CREATE FUNCTION action_due_after_recommendation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.due_on < (SELECT made_on FROM recommendations WHERE id = NEW.recommendation_id) THEN
                RAISE EXCEPTION 'an action is due on or after its recommendation was made'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute("CREATE TRIGGER review_actions_due_after_recommendation BEFORE INSERT OR UPDATE ON review_actions"
               " FOR EACH ROW EXECUTE FUNCTION action_due_after_recommendation()")
    # Evidence is kept: given once; its outcome recorded once; never changed otherwise or deleted (owner included).
    op.execute(
        """
        CREATE FUNCTION keep_action_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            decision text[] := ARRAY['outcome', 'outcome_reason', 'decided_on', 'decided_by_id'];
        BEGIN
            IF TG_OP = 'TRUNCATE' OR TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'evidence of an action is kept: it is never deleted'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'INSERT' THEN
                IF NEW.outcome IS NOT NULL THEN
                    RAISE EXCEPTION 'evidence is given first; its outcome is recorded afterwards'
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END IF;
            IF OLD.outcome IS NOT NULL THEN
                RAISE EXCEPTION 'evidence round % has its outcome: it is kept as it was', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            IF (to_jsonb(NEW) - decision) IS DISTINCT FROM (to_jsonb(OLD) - decision) THEN
                RAISE EXCEPTION 'evidence round % is kept as it was given: only its outcome can be recorded', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute("CREATE TRIGGER action_evidence_kept BEFORE UPDATE OR DELETE ON action_evidence"
               " FOR EACH ROW EXECUTE FUNCTION keep_action_evidence()")
    op.execute("CREATE TRIGGER action_evidence_outcome_later BEFORE INSERT ON action_evidence"
               " FOR EACH ROW EXECUTE FUNCTION keep_action_evidence()")
    op.execute("CREATE TRIGGER action_evidence_no_truncate BEFORE TRUNCATE ON action_evidence"
               " FOR EACH STATEMENT EXECUTE FUNCTION keep_action_evidence()")
    op.execute(
        """
        CREATE FUNCTION keep_evidence_document() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'documents given as evidence are kept as they were given'
                USING ERRCODE = 'check_violation';
        END $$;
        """
    )
    op.execute("CREATE TRIGGER action_evidence_documents_kept BEFORE UPDATE OR DELETE ON action_evidence_documents"
               " FOR EACH ROW EXECUTE FUNCTION keep_evidence_document()")
    op.execute("CREATE TRIGGER action_evidence_documents_no_truncate BEFORE TRUNCATE ON action_evidence_documents"
               " FOR EACH STATEMENT EXECUTE FUNCTION keep_evidence_document()")

    # On the record of changes, as every case table (migration 0017); the documents' bytes as their SHA-256.
    for table in (*KEPT, "review_themes"):
        hidden = "'content'" if table == "action_evidence_documents" else ""
        op.execute(f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}"
                   f" FOR EACH ROW EXECUTE FUNCTION record_row_change({hidden})")

    # The app's group (found as migration 0017 finds it): the default privileges gave it DELETE on every new table.
    group = op.get_bind().execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()
    if group is not None:
        for table in KEPT:
            op.execute(f'REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM "{group}"')


def downgrade() -> None:
    for table in ("review_themes", "practice_themes", "action_evidence_documents", "action_evidence",
                  "review_actions", "recommendations", "lcsprs"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS keep_evidence_document()")
    op.execute("DROP FUNCTION IF EXISTS keep_action_evidence()")
    op.execute("DROP FUNCTION IF EXISTS action_due_after_recommendation()")
