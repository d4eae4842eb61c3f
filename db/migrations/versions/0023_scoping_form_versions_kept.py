"""A saved version of the scoping form is kept as it was saved: the Administration page changes the form by saving a
new version, and a request keeps the version it was sent with, so the database refuses any change to an existing
version or its sections, whoever asks (the owner too).

- agency_form_versions: no UPDATE or DELETE; a new version's created_at is the time of its transaction (set here,
  whatever the INSERT said).
- agency_form_sections: no UPDATE or DELETE; an INSERT only into a version made in the same transaction (its
  created_at is the transaction's now()), so no section can be added to a version saved before.
- A new version, checked when its transaction commits (a deferred constraint trigger): at least one section for the
  agency to answer, and the senior manager's confirmation exactly once (the unique index one_confirmation_per_form
  already refuses a second) and last.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION keep_scoping_form_versions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'agency_form_versions' THEN
                IF TG_OP = 'INSERT' THEN
                    NEW.created_at := now();
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'version % of the scoping form is kept as it was saved: save a new version instead',
                    OLD.number USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'INSERT' THEN
                IF EXISTS (SELECT 1 FROM agency_form_versions
                            WHERE id = NEW.form_version_id AND created_at = now()) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'the sections of a saved scoping form version are kept as they were saved: save a '
                    'new version instead' USING ERRCODE = 'check_violation';
            END IF;
            RAISE EXCEPTION 'the sections of a saved scoping form version are kept as they were saved: save a new '
                'version instead' USING ERRCODE = 'check_violation';
        END $$;
        """
    )
    op.execute("CREATE TRIGGER agency_form_versions_kept BEFORE INSERT OR UPDATE OR DELETE ON agency_form_versions"
               " FOR EACH ROW EXECUTE FUNCTION keep_scoping_form_versions()")
    op.execute("CREATE TRIGGER agency_form_sections_kept BEFORE INSERT OR UPDATE OR DELETE ON agency_form_sections"
               " FOR EACH ROW EXECUTE FUNCTION keep_scoping_form_versions()")
    op.execute(
        """
        CREATE FUNCTION check_scoping_form_version() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            sections integer;
            confirmations integer;
            last_kind text;
        BEGIN
            SELECT count(*), count(*) FILTER (WHERE kind = 'confirmation')
              INTO sections, confirmations FROM agency_form_sections WHERE form_version_id = NEW.id;
            SELECT kind INTO last_kind FROM agency_form_sections WHERE form_version_id = NEW.id
             ORDER BY position DESC LIMIT 1;
            IF sections < 2 OR confirmations <> 1 OR last_kind IS DISTINCT FROM 'confirmation' THEN
                RAISE EXCEPTION 'version % of the scoping form needs at least one section to answer and the senior '
                    'manager''s confirmation once, last', NEW.number USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    op.execute("CREATE CONSTRAINT TRIGGER agency_form_version_complete AFTER INSERT ON agency_form_versions"
               " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_scoping_form_version()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS agency_form_version_complete ON agency_form_versions")
    op.execute("DROP FUNCTION IF EXISTS check_scoping_form_version()")
    op.execute("DROP TRIGGER IF EXISTS agency_form_sections_kept ON agency_form_sections")
    op.execute("DROP TRIGGER IF EXISTS agency_form_versions_kept ON agency_form_versions")
    op.execute("DROP FUNCTION IF EXISTS keep_scoping_form_versions()")
