/*
 * order_api.h - the HTTP API of the order service: its route table and the
 * settings its handlers need beyond the common ones.
 */
#ifndef MICROSHOP_ORDER_API_H
#define MICROSHOP_ORDER_API_H

#include "service.h"
#include "user_client.h"

extern const struct fcgi_service order_service;

/* Set once in main, before the workers start; read-only after. */
extern struct user_client_config order_user_api;

#endif
