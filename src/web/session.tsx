// Who is signed in, for every page: the answer of /me, or null before signing in.
import { createContext, useContext } from "react";
import type { Me } from "../contracts/api.js";

export const SessionContext = createContext<Me | null>(null);

/** The signed-in user; pages under the shell are only shown once signed in. */
export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error("useMe outside a signed-in page");
  return me;
}
