def test_home_renders_for_guest(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_me(api, master):
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == master.person.email
    assert body["company"]["id"] == str(master.company.public_id)
    assert body["role"] == "master"
