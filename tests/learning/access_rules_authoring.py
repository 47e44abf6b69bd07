"""Who may use the authoring pages: managers (leaders, admins); learning paths are for admins.

Finer rules (a leader edits only their own team's modules) are tested in
tests/learning/test_authoring.py.
"""

from __future__ import annotations

from tests.access_rules import ADMIN, MANAGER

RULES: dict[str, str] = {
    "authoring.index": MANAGER,
    "authoring.new_module": MANAGER,
    "authoring.edit_module": MANAGER,
    "authoring.update_module": MANAGER,
    "authoring.publish_module": MANAGER,
    "authoring.unpublish_module": MANAGER,
    "authoring.duplicate_module": MANAGER,
    "authoring.delete_module": MANAGER,
    "authoring.export_module": MANAGER,
    "authoring.import_module": MANAGER,
    "authoring.add_lesson": MANAGER,
    "authoring.edit_lesson": MANAGER,
    "authoring.update_lesson": MANAGER,
    "authoring.move_lesson": MANAGER,
    "authoring.delete_lesson": MANAGER,
    "authoring.preview_lesson": MANAGER,
    "authoring.add_card": MANAGER,
    "authoring.update_card": MANAGER,
    "authoring.move_card": MANAGER,
    "authoring.delete_card": MANAGER,
    "authoring.preview": MANAGER,
    "authoring.add_question": MANAGER,
    "authoring.update_question": MANAGER,
    "authoring.move_question": MANAGER,
    "authoring.delete_question": MANAGER,
    "authoring.paths": ADMIN,
    "authoring.edit_path": ADMIN,
    "authoring.update_path": ADMIN,
    "authoring.add_path_module": ADMIN,
    "authoring.move_path_module": ADMIN,
    "authoring.remove_path_module": ADMIN,
    "authoring.publish_path": ADMIN,
    "authoring.unpublish_path": ADMIN,
    "authoring.delete_path": ADMIN,
}
