"""Staff passwords go through Django's four validators (the admin's forms, changepassword,
createsuperuser): a weak one is refused, saying why."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

STAFF = get_user_model()(username="librarian", email="librarian@example.com")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Xy7!pq", "password_too_short"),
        ("password123", "password_too_common"),
        ("83749201937264", "password_entirely_numeric"),
        ("librarian-2026", "password_too_similar"),
    ],
    ids=["too short", "too common", "only digits", "like the username"],
)
def test_a_weak_staff_password_is_refused(password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=STAFF)
    assert code in [error.code for error in refused.value.error_list]


def test_a_strong_staff_password_is_taken():
    assert validate_password("correct horse battery staple 42", user=STAFF) is None
