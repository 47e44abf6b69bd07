from tests.conftest import PASSWORD


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in to Beacon" in response.data


def test_admin_logs_in_and_sees_home(client, auth, people):
    admin = people.person(
        role=__import__("portal.accounts.models", fromlist=["Role"]).Role.ADMIN, name="Ada Admin"
    )
    response = auth.login(admin.email, PASSWORD)
    assert response.status_code == 303
    page = client.get("/")
    assert b"Hello, Ada" in page.data
