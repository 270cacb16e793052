import {
  Anchor,
  AppShell,
  Avatar,
  Box,
  Burger,
  Group,
  Menu,
  Modal,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconChevronDown, IconLock, IconLogout } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { useSession } from "../kit/session.tsx";
import type { UiModule } from "../kit/types.ts";
import { useSignOut } from "./auth.ts";
import { ChangePasswordForm } from "./ChangePassword.tsx";
import { buildMenu } from "./menu.ts";
import { SearchEverywhere } from "./SearchEverywhere.tsx";

export function Layout({ crm, children }: { crm: UiModule | null; children: ReactNode }) {
  const session = useSession();
  const { pathname } = useLocation();
  const [navOpened, nav] = useDisclosure(false);
  const sections = buildMenu(session, crm);
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 250, breakpoint: "sm", collapsed: { mobile: !navOpened } }}
      padding="lg"
    >
      <SkipLink />
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger
              opened={navOpened}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle the menu"
            />
            <Anchor
              component={Link}
              to="/"
              fw={700}
              size="lg"
              c="var(--mantine-color-text)"
              underline="never"
            >
              Licensing
            </Anchor>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <SearchEverywhere crm={crm} />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main menu">
        <AppShell.Section grow component={ScrollArea}>
          {sections.map((section) => (
            <section key={section.title} aria-labelledby={`menu-${section.title}`}>
              <Text
                id={`menu-${section.title}`}
                size="xs"
                fw={700}
                c="dimmed"
                tt="uppercase"
                px="sm"
                pt="md"
                pb={4}
              >
                {section.title}
              </Text>
              {section.items.map((item) => {
                const Icon = item.icon;
                return (
                  <NavLink
                    key={item.path}
                    component={Link}
                    to={item.path}
                    label={item.label}
                    leftSection={Icon ? <Icon size={18} stroke={1.5} /> : undefined}
                    active={pathname === item.path || pathname.startsWith(`${item.path}/`)}
                    onClick={nav.close}
                  />
                );
              })}
            </section>
          ))}
        </AppShell.Section>
      </AppShell.Navbar>
      {/* The skip link's target: focusable by script only, so Tab continues from the page's start. */}
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: "none" }}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}

/**
 * "Skip to main content", the first thing Tab reaches (WCAG 2.4.1): off screen until it has the
 * focus (ui/src/a11y.css), it moves the focus past the header and the menu to the page itself.
 */
function SkipLink() {
  return (
    // biome-ignore lint/a11y/useValidAnchor: it is a link to a section of the page, as skip links are; the handler only keeps the router from taking #main for a route
    <a
      href="#main"
      className="skip-link"
      onClick={(event) => {
        // The router would take a bare #main for a navigation; the focus move is all that is wanted.
        event.preventDefault();
        const main = document.getElementById("main");
        main?.focus();
        main?.scrollIntoView();
      }}
    >
      Skip to main content
    </a>
  );
}

function UserMenu() {
  const session = useSession();
  const signOut = useSignOut();
  const [passwordOpened, password] = useDisclosure(false);
  const { username, roles } = session.user;
  return (
    <>
      <Menu position="bottom-end" width={220}>
        <Menu.Target>
          {/* Named by what it shows, then what it is: "admin superadmin user menu" (WCAG 2.5.3: no
              name of its own, which would differ from the visible text). On a phone only the avatar
              shows, so the header keeps to the screen's width; the name still says whose menu it is. */}
          <UnstyledButton>
            <Group gap={8} wrap="nowrap">
              <Avatar size="sm" radius="xl" color="indigo" />
              <Box visibleFrom="sm">
                <Text size="sm" fw={500} lh={1.1}>
                  {username}
                </Text>
                <Text size="xs" c="dimmed" lh={1.1}>
                  {roles.join(", ")}
                </Text>
              </Box>
              <VisuallyHidden hiddenFrom="sm">{username}</VisuallyHidden>
              <VisuallyHidden>user menu</VisuallyHidden>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item leftSection={<IconLock size={16} />} onClick={password.open}>
            Change password
          </Menu.Item>
          <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => signOut.mutate()}>
            Sign out
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={passwordOpened} onClose={password.close} title="Change your password">
        <ChangePasswordForm onDone={password.close} onCancel={password.close} />
      </Modal>
    </>
  );
}
