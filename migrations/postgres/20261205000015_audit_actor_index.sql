-- Deleting one's own account (issue 14, decision 119), postgres flavour. Keep in step with
-- migrations/sqlite.

-- The rows of the trail a person wrote as an actor (an administrator, or a farm's owner or
-- manager acting on its members) are found by actor_id when their account is deleted, to
-- put a pseudonym in its place: without an index that would read the whole trail. Most rows
-- have no actor, so only those that do are indexed.
CREATE INDEX audit_events_actor_id ON audit_events (actor_id) WHERE actor_id IS NOT NULL;
